public enum WeaveExplorerPlaceholder {}
