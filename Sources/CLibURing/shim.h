// liburing 2.3 (Debian 12). libc headers first, or the import breaks on fd_set.
#pragma once
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <signal.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <liburing.h>

/// IOSQE_* flags are macros over an enum; give Swift plain constants.
static inline unsigned char tt_iosqe_buffer_select(void) { return IOSQE_BUFFER_SELECT; }
static inline unsigned char tt_iosqe_io_link(void) { return IOSQE_IO_LINK; }
static inline unsigned char tt_iosqe_cqe_skip_success(void) { return IOSQE_CQE_SKIP_SUCCESS; }
static inline unsigned tt_cqe_f_more(void) { return IORING_CQE_F_MORE; }
static inline unsigned tt_cqe_f_buffer(void) { return IORING_CQE_F_BUFFER; }
static inline unsigned tt_cqe_buffer_shift(void) { return IORING_CQE_BUFFER_SHIFT; }

/// io_uring_for_each_cqe is a macro: peek a batch instead (same effect, callable from Swift).
static inline unsigned tt_peek_batch(struct io_uring *ring, struct io_uring_cqe **cqes, unsigned count) {
    return io_uring_peek_batch_cqe(ring, cqes, count);
}

/// The worker's preps: macros and union fields Swift cannot reach, behind plain functions.
/// Ring setup flags the worker asks for (liburing 2.3 headers know them; the kernel may not).
static inline unsigned tt_setup_single_issuer(void) { return IORING_SETUP_SINGLE_ISSUER; }
static inline unsigned tt_setup_defer_taskrun(void) { return IORING_SETUP_DEFER_TASKRUN; }
static inline unsigned tt_setup_r_disabled(void) { return IORING_SETUP_R_DISABLED; }
static inline unsigned tt_setup_cqsize(void) { return IORING_SETUP_CQSIZE; }
static inline unsigned tt_setup_submit_all(void) { return IORING_SETUP_SUBMIT_ALL; }

/// liburing 2.3 declares io_uring_enable_rings but does not export it.
static inline int tt_enable_rings(struct io_uring *ring) {
    return io_uring_register(ring->ring_fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0);
}

/// Provided-buffer ring helpers (the ring struct is a union with a flexible array).
static inline void tt_buf_ring_init(void *br) { io_uring_buf_ring_init((struct io_uring_buf_ring *)br); }
static inline void tt_buf_ring_add(void *br, void *addr, unsigned len, unsigned short bid, int mask, int offset) {
    io_uring_buf_ring_add((struct io_uring_buf_ring *)br, addr, len, bid, mask, offset);
}
static inline void tt_buf_ring_advance(void *br, int count) {
    io_uring_buf_ring_advance((struct io_uring_buf_ring *)br, count);
}
static inline int tt_register_buf_ring(struct io_uring *ring, void *br, unsigned entries, unsigned short group) {
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof reg);
    reg.ring_addr = (unsigned long)(uintptr_t)br;
    reg.ring_entries = entries;
    reg.bgid = group;
    return io_uring_register_buf_ring(ring, &reg, 0);
}

static inline void tt_prep_multishot_accept(struct io_uring_sqe *sqe, int fd, unsigned long long tag) {
    io_uring_prep_multishot_accept(sqe, fd, NULL, NULL, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, tag);
}
/// Multishot POLLIN on a (shared, non-blocking) listening socket: a plain, non-exclusive wait,
/// so every worker hears of every connection.
static inline void tt_prep_poll_readable_multishot(struct io_uring_sqe *sqe, int fd, unsigned long long tag) {
    io_uring_prep_poll_multishot(sqe, fd, POLLIN);
    io_uring_sqe_set_data64(sqe, tag);
}
static inline void tt_prep_accept(struct io_uring_sqe *sqe, int fd, unsigned long long tag) {
    io_uring_prep_accept(sqe, fd, NULL, NULL, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, tag);
}
static inline void tt_prep_recv_multishot(struct io_uring_sqe *sqe, int fd, unsigned short group, unsigned long long tag) {
    io_uring_prep_recv_multishot(sqe, fd, NULL, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = group;
    io_uring_sqe_set_data64(sqe, tag);
}
static inline void tt_prep_send(struct io_uring_sqe *sqe, int fd, const void *buf, size_t len, unsigned long long tag) {
    io_uring_prep_send(sqe, fd, buf, len, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, tag);
}
static inline void tt_prep_sendmsg(struct io_uring_sqe *sqe, int fd, const struct msghdr *msg, unsigned long long tag) {
    io_uring_prep_sendmsg(sqe, fd, msg, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, tag);
}
static inline void tt_prep_read(struct io_uring_sqe *sqe, int fd, void *buf, unsigned len, unsigned long long tag) {
    io_uring_prep_read(sqe, fd, buf, len, (__u64)-1);
    io_uring_sqe_set_data64(sqe, tag);
}
static inline void tt_prep_timeout(struct io_uring_sqe *sqe, struct __kernel_timespec *ts, unsigned long long tag) {
    io_uring_prep_timeout(sqe, ts, 0, 0);
    io_uring_sqe_set_data64(sqe, tag);
}
static inline void tt_prep_cancel(struct io_uring_sqe *sqe, unsigned long long target, unsigned long long tag) {
    io_uring_prep_cancel64(sqe, target, 0);
    io_uring_sqe_set_data64(sqe, tag);
}
