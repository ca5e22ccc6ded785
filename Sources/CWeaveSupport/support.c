// The module's functions are inline in include/weave_support.h; SwiftPM needs one source file.
#include "weave_support.h"
