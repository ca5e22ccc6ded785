import Dispatch
import Foundation
import Synchronization

/// SIGINT and SIGTERM for long runs: the first one asks the search to stop (the
/// explorer polls `CheckOptions.shouldStop` every 1024 states and then reports
/// "incomplete: interrupted" with its figures, exit 10); a second one, or a run
/// that has not stopped `graceSeconds` later (it was in a phase that does not
/// poll, such as the liveness pass), ends the process at once.
public enum Interrupt {
    /// The signal received (0: none). Written by the dispatch handler, read by the search thread.
    private static let received = Atomic<Int32>(0)

    /// Whether a stop was requested.
    public static var requested: Bool { received.load(ordering: .relaxed) != 0 }

    /// The number of the signal received, 0 if none.
    public static var signal: Int32 { received.load(ordering: .relaxed) }

    /// "SIGINT", "SIGTERM".
    public static func name(_ sig: Int32) -> String {
        sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal \(sig)"
    }

    /// Handles SIGINT and SIGTERM from now on. `io` gets the messages of the forced exit.
    public static func install(graceSeconds: Double = 5, io: Output) {
        let queue = DispatchQueue(label: "weave.signals")
        for sig in [SIGINT, SIGTERM] {
            // The default action would kill the process before the handler runs.
            _ = Foundation.signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                let first = received.compareExchange(expected: 0, desired: sig, ordering: .relaxed).exchanged
                if first {
                    io.err("\nweave: \(name(sig)): stopping the search (again to quit at once)\n")
                    queue.asyncAfter(deadline: .now() + graceSeconds) {
                        io.err("weave: the run did not stop within \(Int(graceSeconds)) s of \(name(sig)) (it was in a phase that does not poll for interrupts); exiting incomplete with no figures\n")
                        exit(WeaveExit.incomplete.rawValue)
                    }
                } else {
                    io.err("weave: \(name(sig)) again: quitting\n")
                    _ = Foundation.signal(sig, SIG_DFL)
                    raise(sig)
                }
            }
            source.resume()
            // The handler must outlive this call: the sources live as long as the process.
            _ = Unmanaged.passRetained(source as AnyObject)
        }
    }
}
