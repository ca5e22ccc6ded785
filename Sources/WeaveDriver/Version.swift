/// Weave's version, printed by `weave --version` and recorded in reports.
public enum WeaveVersion {
    /// Bumped with every release; the second number counts the rounds of issues.
    public static let text = "0.3.0"
}
