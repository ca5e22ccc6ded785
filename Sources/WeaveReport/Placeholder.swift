public enum WeaveReportPlaceholder {}
