// The few MPI calls Weave's distributed search makes, with Open MPI loaded at run time
// (dlopen), so that `weave` starts and runs everything else on a machine without it.
// Only the WeaveMPI module calls these.
#ifndef WEAVE_MPI_H
#define WEAVE_MPI_H
#include <stdint.h>

/// Loads libmpi and resolves the calls and handles. 0 on success; otherwise a sentence
/// in `err` (at most `errlen` bytes, NUL-terminated).
int weave_mpi_load(char *err, int errlen);
/// MPI_Init_thread (funnelled: only the search thread calls MPI). 0 on success.
int weave_mpi_init(void);
int weave_mpi_rank(void);
int weave_mpi_size(void);
/// Element-wise reduction of `n` int64 over every rank; `op` 0 sum, 1 max, 2 min.
int weave_mpi_allreduce_i64(const int64_t *in, int64_t *out, int n, int op);
/// One int from every rank to every rank (`send[r]` goes to rank r).
int weave_mpi_alltoall_int(const int *send, int *recv);
/// Bytes from every rank to every rank, with counts and displacements per rank.
int weave_mpi_alltoallv_bytes(const void *send, const int *scounts, const int *sdispls,
                              void *recv, const int *rcounts, const int *rdispls);
/// `n` bytes from every rank, gathered on every rank in rank order.
int weave_mpi_allgather_bytes(const void *send, int n, void *recv);
/// MPI_Wtime.
double weave_mpi_wtime(void);
/// MPI_Abort on the world communicator: ends every rank.
void weave_mpi_abort(int code);
int weave_mpi_finalize(void);
#endif
