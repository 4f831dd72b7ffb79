#include "CPosix.h"
#include <sys/syscall.h>
#include <unistd.h>

int tt_memfd_create(const char *name, unsigned int flags) {
    return (int)syscall(SYS_memfd_create, name, flags);
}
