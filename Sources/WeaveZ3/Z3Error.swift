/// An error reported by Z3 (or by the wrapper's own argument checks), carrying Z3's message.
public struct Z3Error: Error, Equatable, CustomStringConvertible {
    /// The human-readable message, copied from `Z3_get_error_msg` or written by the wrapper.
    public let message: String

    /// Creates an error with the given message.
    public init(_ message: String) { self.message = message }

    /// A one-line rendering of the error, prefixed with "Z3 error".
    public var description: String { "Z3 error: \(message)" }
}
