public enum WeaveDriverPlaceholder {}
