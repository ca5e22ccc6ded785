import CWeaveMPI
import Foundation
import WeaveExplorer

/// The distributed search's transport over Open MPI (loaded at run time by CWeaveMPI,
/// so `weave` needs Open MPI only for `--distributed`). Only the search thread calls it
/// (MPI is initialised for funnelled use), and only between `start` and `finalize`.
public final class MPITransport: DistributedTransport, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// The search's communication figures, once it has finished.
    public private(set) var figures: DistributedFigures? = nil

    /// Why `start` could not give a transport.
    public enum Failure: Error, Sendable {
        /// The process was not started by mpirun (or srun): there is no job to join.
        case notUnderMPI
        /// libmpi could not be loaded or initialised.
        case unavailable(String)
    }

    /// Whether this process was started by an MPI launcher (Open MPI's mpirun, PMIx, Slurm's PMI).
    public static var launchedByMPI: Bool {
        let env = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"].contains { env[$0] != nil }
    }

    private init(rank: Int, size: Int) {
        self.rank = rank
        self.size = size
    }

    /// Loads Open MPI and joins the job.
    public static func start() throws(Failure) -> MPITransport {
        guard launchedByMPI else { throw .notUnderMPI }
        var err = [CChar](repeating: 0, count: 512)
        if weave_mpi_load(&err, Int32(err.count)) != 0 {
            throw .unavailable(String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        guard weave_mpi_init() == 0 else { throw .unavailable("MPI_Init_thread failed") }
        let r = Int(weave_mpi_rank()), n = Int(weave_mpi_size())
        guard r >= 0, n >= 1 else { throw .unavailable("MPI gave rank \(r) of \(n)") }
        return MPITransport(rank: r, size: n)
    }

    public func allreduce(_ values: [Int64], _ op: DistributedReduction) -> [Int64] {
        var out = [Int64](repeating: 0, count: values.count)
        let code: Int32 = switch op { case .sum: 0; case .max: 1; case .min: 2 }
        _ = values.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in
                weave_mpi_allreduce_i64(i.baseAddress, o.baseAddress, Int32(values.count), code)
            }
        }
        return out
    }

    public func allgather(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: bytes.count * size)
        _ = bytes.withUnsafeBytes { i in
            out.withUnsafeMutableBytes { o in weave_mpi_allgather_bytes(i.baseAddress, Int32(bytes.count), o.baseAddress) }
        }
        return out
    }

    public func alltoallv(_ send: UnsafeRawPointer, counts: [Int32], receive: (Int) -> UnsafeMutableRawPointer) -> Int {
        var received = [Int32](repeating: 0, count: size)
        _ = counts.withUnsafeBufferPointer { c in
            received.withUnsafeMutableBufferPointer { r in weave_mpi_alltoall_int(c.baseAddress, r.baseAddress) }
        }
        var sdispls = [Int32](repeating: 0, count: size), rdispls = [Int32](repeating: 0, count: size)
        var s = 0, r = 0
        for i in 0..<size {
            sdispls[i] = Int32(s); rdispls[i] = Int32(r)
            s += Int(counts[i]); r += Int(received[i])
        }
        // Each sender keeps its batch under 2 GiB; more than that from all senders together
        // cannot be placed with MPI's 32-bit displacements: every rank is stopped.
        if r > Int(Int32.max) {
            FileHandle.standardError.write(Data("weave: rank \(rank) would receive more than 2 GiB in one round; stopping every rank\n".utf8))
            weave_mpi_abort(70)
            exit(70)
        }
        let buffer = receive(max(1, r))
        _ = weave_mpi_alltoallv_bytes(send, counts, sdispls, buffer, received, rdispls)
        return r
    }

    public func finished(_ figures: DistributedFigures) { self.figures = figures }

    /// Leaves the job (every rank, once, at the end).
    public func finalize() { _ = weave_mpi_finalize() }

    /// Ends every rank of the job at once.
    public func abort(_ code: Int32) { weave_mpi_abort(code) }
}
