// glibc's allocator controls (mallopt, malloc_trim), which Swift's Glibc module does not export. Empty on other
// C libraries, which have no such controls: AllocatorTuning then does nothing.
#if defined(__linux__)
#include <features.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#endif
