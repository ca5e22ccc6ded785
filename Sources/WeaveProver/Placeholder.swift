public enum WeaveProverPlaceholder {}
