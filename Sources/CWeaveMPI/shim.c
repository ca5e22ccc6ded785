// Open MPI loaded at run time: see include/weave_mpi.h. The handles (MPI_COMM_WORLD,
// MPI_BYTE, ...) are, in Open MPI's ABI, the addresses of exported globals
// (mpi.h: OMPI_PREDEFINED_GLOBAL), so they are resolved with dlsym like the functions.
#include "weave_mpi.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stddef.h>

typedef void *Handle;   // MPI_Comm, MPI_Datatype, MPI_Op: pointers in Open MPI

static int (*p_init_thread)(int *, char ***, int, int *);
static int (*p_comm_rank)(Handle, int *);
static int (*p_comm_size)(Handle, int *);
static int (*p_allreduce)(const void *, void *, int, Handle, Handle, Handle);
static int (*p_alltoall)(const void *, int, Handle, void *, int, Handle, Handle);
static int (*p_alltoallv)(const void *, const int *, const int *, Handle, void *, const int *, const int *, Handle, Handle);
static int (*p_allgather)(const void *, int, Handle, void *, int, Handle, Handle);
static double (*p_wtime)(void);
static int (*p_abort)(Handle, int);
static int (*p_finalize)(void);
static Handle comm_world, type_byte, type_int, type_int64, op_sum, op_max, op_min;

// MPI_THREAD_FUNNELED in mpi.h's enum (SINGLE, FUNNELED, SERIALIZED, MULTIPLE).
enum { THREAD_FUNNELED = 1 };

int weave_mpi_load(char *err, int errlen) {
    // Open MPI's plugins (dlopened by libmpi) need libmpi's symbols global.
    const char *names[] = { "libmpi.so.40", "libmpi.so" };
    void *lib = NULL;
    const char *why = "";
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !lib; i++) {
        lib = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
        if (!lib) why = dlerror();
    }
    if (!lib) {
        snprintf(err, (size_t)errlen, "Open MPI not found (%s); install it: apt-get install openmpi-bin", why ? why : "");
        return 1;
    }
#define RESOLVE(var, name) do { \
        *(void **)(&var) = dlsym(lib, name); \
        if (!var) { snprintf(err, (size_t)errlen, "libmpi has no symbol %s: Open MPI 4 is needed", name); return 2; } \
    } while (0)
    RESOLVE(p_init_thread, "MPI_Init_thread");
    RESOLVE(p_comm_rank, "MPI_Comm_rank");
    RESOLVE(p_comm_size, "MPI_Comm_size");
    RESOLVE(p_allreduce, "MPI_Allreduce");
    RESOLVE(p_alltoall, "MPI_Alltoall");
    RESOLVE(p_alltoallv, "MPI_Alltoallv");
    RESOLVE(p_allgather, "MPI_Allgather");
    RESOLVE(p_wtime, "MPI_Wtime");
    RESOLVE(p_abort, "MPI_Abort");
    RESOLVE(p_finalize, "MPI_Finalize");
    RESOLVE(comm_world, "ompi_mpi_comm_world");
    RESOLVE(type_byte, "ompi_mpi_byte");
    RESOLVE(type_int, "ompi_mpi_int");
    RESOLVE(type_int64, "ompi_mpi_int64_t");
    RESOLVE(op_sum, "ompi_mpi_op_sum");
    RESOLVE(op_max, "ompi_mpi_op_max");
    RESOLVE(op_min, "ompi_mpi_op_min");
#undef RESOLVE
    return 0;
}

int weave_mpi_init(void) {
    int provided = 0;
    return p_init_thread(NULL, NULL, THREAD_FUNNELED, &provided);
}

int weave_mpi_rank(void) { int r = -1; p_comm_rank(comm_world, &r); return r; }
int weave_mpi_size(void) { int n = 0; p_comm_size(comm_world, &n); return n; }

int weave_mpi_allreduce_i64(const int64_t *in, int64_t *out, int n, int op) {
    Handle o = op == 1 ? op_max : op == 2 ? op_min : op_sum;
    return p_allreduce(in, out, n, type_int64, o, comm_world);
}

int weave_mpi_alltoall_int(const int *send, int *recv) {
    return p_alltoall(send, 1, type_int, recv, 1, type_int, comm_world);
}

int weave_mpi_alltoallv_bytes(const void *send, const int *scounts, const int *sdispls,
                              void *recv, const int *rcounts, const int *rdispls) {
    return p_alltoallv(send, scounts, sdispls, type_byte, recv, rcounts, rdispls, type_byte, comm_world);
}

int weave_mpi_allgather_bytes(const void *send, int n, void *recv) {
    return p_allgather(send, n, type_byte, recv, n, type_byte, comm_world);
}

double weave_mpi_wtime(void) { return p_wtime(); }
void weave_mpi_abort(int code) { if (p_abort) p_abort(comm_world, code); }
int weave_mpi_finalize(void) { return p_finalize ? p_finalize() : 0; }
