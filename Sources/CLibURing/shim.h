// liburing 2.3 (Debian 12). libc headers first, or the import breaks on fd_set.
#pragma once
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <signal.h>
#include <fcntl.h>
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
