import COpenSSL

/// One TLS connection over memory BIOs: the caller moves ciphertext between the socket and
/// `feed` / `takeOutput`, so the session fits any event loop (io_uring, poll) without owning
/// the socket. Not thread-safe: one owner.
public final class TLSSession {
    /// How a step went.
    public enum Progress: Equatable {
        case done
        /// Needs more bytes from the peer, or has bytes to send (check `pendingOutput`).
        case wantIO
        case failed(TLSError)
    }

    /// What a read gave.
    public enum ReadResult: Equatable {
        case bytes(Int)
        case wantIO
        /// The peer sent close_notify.
        case closed
        case failed(TLSError)
    }

    let ssl: OpaquePointer
    let input: OpaquePointer
    let output: OpaquePointer
    public let context: TLSContext
    public private(set) var handshakeDone = false

    /// `serverName` (client only) is sent as SNI and checked against the certificate.
    public init(context: TLSContext, serverName: String? = nil) throws(TLSError) {
        guard let s = SSL_new(context.ctx) else { throw TLSError.fromQueue("SSL_new") }
        guard let rbio = BIO_new(BIO_s_mem()), let wbio = BIO_new(BIO_s_mem()) else {
            SSL_free(s)
            throw TLSError.fromQueue("BIO_new")
        }
        _ = tt_bio_set_mem_eof_return(rbio, -1)
        _ = tt_bio_set_mem_eof_return(wbio, -1)
        SSL_set_bio(s, rbio, wbio)
        ssl = s
        input = rbio
        output = wbio
        self.context = context
        if context.role == .client {
            SSL_set_connect_state(s)
            if let name = serverName { try Self.expect(name, on: s) }
        } else {
            SSL_set_accept_state(s)
        }
    }

    deinit { SSL_free(ssl) }

    /// Names the server: a host name goes out as SNI and must match the certificate's DNS names;
    /// an IP literal is never sent as SNI (RFC 6066 §3) and must match its IP addresses.
    private static func expect(_ name: String, on ssl: OpaquePointer) throws(TLSError) {
        if let ip = a2i_IPADDRESS(name) {
            ASN1_OCTET_STRING_free(ip)
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1 else {
                throw TLSError.fromQueue("server address \(name)")
            }
            return
        }
        guard tt_ssl_set_sni(ssl, name) == 1, SSL_set1_host(ssl, name) == 1 else { throw TLSError.fromQueue("server name \(name)") }
    }

    /// Ciphertext that arrived from the peer.
    public func feed(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        var done = 0
        while done < bytes.count {
            let n = BIO_write(input, base + done, Int32(min(bytes.count - done, Int(Int32.max))))
            if n <= 0 { break }
            done += Int(n)
        }
    }

    /// Ciphertext waiting to be sent to the peer.
    public var pendingOutput: Int { Int(BIO_ctrl_pending(output)) }

    /// Moves up to `buffer.count` bytes of ciphertext to send into `buffer`.
    public func takeOutput(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0, pendingOutput > 0 else { return 0 }
        let n = BIO_read(output, base, Int32(min(buffer.count, Int(Int32.max))))
        return n > 0 ? Int(n) : 0
    }

    /// Advances the handshake.
    public func handshake() -> Progress {
        if handshakeDone { return .done }
        let r = SSL_do_handshake(ssl)
        if r == 1 {
            handshakeDone = true
            return .done
        }
        switch SSL_get_error(ssl, r) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .wantIO
        default: return .failed(failure("handshake"))
        }
    }

    /// Encrypts `plaintext`; returns how much was taken (all of it unless the handshake is pending).
    public func write(_ plaintext: UnsafeRawBufferPointer) -> Result<Int, TLSError> {
        guard let base = plaintext.baseAddress, plaintext.count > 0 else { return .success(0) }
        var written = 0
        while written < plaintext.count {
            let r = SSL_write(ssl, base + written, Int32(min(plaintext.count - written, 1 << 30)))
            if r > 0 { written += Int(r); continue }
            switch SSL_get_error(ssl, r) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .success(written)
            default: return .failure(failure("write"))
            }
        }
        return .success(written)
    }

    /// Decrypts into `buffer`.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> ReadResult {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .bytes(0) }
        let r = SSL_read(ssl, base, Int32(min(buffer.count, Int(Int32.max))))
        if r > 0 { return .bytes(Int(r)) }
        switch SSL_get_error(ssl, r) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .wantIO
        case SSL_ERROR_ZERO_RETURN: return .closed
        default: return .failed(failure("read"))
        }
    }

    /// Queues close_notify (send `takeOutput` afterwards).
    public func shutdown() { _ = SSL_shutdown(ssl) }

    /// "TLSv1.3" and the like, once the handshake is done.
    public var protocolVersion: String { String(cString: SSL_get_version(ssl)) }

    private func failure(_ what: String) -> TLSError {
        let verify = SSL_get_verify_result(ssl)
        let verdict = verify == Int(X509_V_OK) ? nil : String(cString: X509_verify_cert_error_string(verify))
        return TLSError.fromQueue(what, verify: verdict)
    }
}
