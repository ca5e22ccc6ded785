// Z3's C API, from Debian's libz3-dev. Only the WeaveZ3 module imports this.
#include <z3.h>
