// Declarations Glibc's Swift module leaves out, and macros turned into functions.
#pragma once
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <time.h>

static inline int tt_errno(void) { return errno; }
static inline void tt_set_errno(int e) { errno = e; }
static inline int tt_wifexited(int status) { return WIFEXITED(status); }
static inline int tt_wexitstatus(int status) { return WEXITSTATUS(status); }
static inline int tt_wifsignaled(int status) { return WIFSIGNALED(status); }
static inline int tt_wtermsig(int status) { return WTERMSIG(status); }
/// The current thread's cpu time in ns.
static inline long long tt_thread_cpu_ns(void) {
    struct timespec ts; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
/// CLOCK_MONOTONIC in ns: the clock every latency figure is measured with.
static inline long long tt_monotonic_ns(void) {
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
/// CLOCK_REALTIME in ns.
static inline long long tt_realtime_ns(void) {
    struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
int tt_memfd_create(const char *name, unsigned int flags);
/// prctl(PR_SET_PDEATHSIG, sig): the kernel sends `sig` when the parent dies.
int tt_set_parent_death_signal(int sig);
/// accept4(fd, NULL, NULL, SOCK_CLOEXEC).
int tt_accept_cloexec(int fd);

/// The user id of a Unix socket's peer (SO_PEERCRED), or -1.
long tt_peer_uid(int fd);

/// Asks the kernel to stamp what arrives on `fd` with the wall-clock time it reached the
/// socket (SO_TIMESTAMPNS); 0 or -1.
int tt_enable_receive_stamps(int fd);
/// recvmsg(2) into `buffer`: bytes read, 0 at end of stream, or -errno (EINTR retried). With
/// stamps enabled, `*arrival_ns` gets the arrival time (CLOCK_REALTIME ns) of the newest data
/// the read took (a TCP read spanning several segments reports the last one); 0 when no stamp.
long tt_receive_stamped(int fd, void *buffer, unsigned long length, long long *arrival_ns);

/// epoll with the event passed as its two words (`struct epoll_event` is packed on x86-64,
/// which Swift code then reads by offset).
static inline int tt_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }
static inline int tt_epoll_ctl(int epfd, int op, int fd, unsigned int events, unsigned long long token) {
    struct epoll_event e; e.events = events; e.data.u64 = token;
    return epoll_ctl(epfd, op, fd, &e);
}
static inline int tt_epoll_wait(int epfd, void *events, int max, int timeout) {
    return epoll_wait(epfd, (struct epoll_event *)events, max, timeout);
}
static inline int tt_epoll_event_size(void) { return (int)sizeof(struct epoll_event); }
