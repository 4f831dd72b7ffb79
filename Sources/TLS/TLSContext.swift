import COpenSSL

/// A TLS failure: what was being done, OpenSSL's error queue, and the certificate verdict.
public struct TLSError: Error, CustomStringConvertible, Equatable {
    public let context: String
    public let message: String
    public var description: String { "\(context): \(message)" }

    /// Drains OpenSSL's error queue into one message.
    static func fromQueue(_ context: String, verify: String? = nil) -> TLSError {
        var parts: [String] = []
        if let verify { parts.append("certificate: \(verify)") }
        while case let code = ERR_get_error(), code != 0 {
            var buf = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buf, buf.count)
            parts.append(String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return TLSError(context: context, message: parts.isEmpty ? "unknown error" : parts.joined(separator: "; "))
    }
}

/// Which end of a connection a context serves.
public enum TLSRole: Sendable { case client, server }

/// An OpenSSL context: TLS 1.2 or newer, peers verified against the system store (plus any
/// extra trusted certificates, such as the simulator's self-signed one).
public final class TLSContext: @unchecked Sendable {
    let ctx: OpaquePointer
    public let role: TLSRole

    private init(role: TLSRole) throws(TLSError) {
        guard let c = SSL_CTX_new(role == .client ? TLS_client_method() : TLS_server_method()) else {
            throw TLSError.fromQueue("SSL_CTX_new")
        }
        ctx = c
        self.role = role
        _ = tt_ssl_ctx_set_min_tls12(c)
        _ = tt_ssl_ctx_set_partial_write(c)
    }

    deinit { SSL_CTX_free(ctx) }

    /// A client context. `trusting` names a PEM file of extra trust anchors.
    public static func client(trusting extraCertificates: String? = nil, maxVersion: Int32? = nil) throws(TLSError) -> TLSContext {
        let context = try TLSContext(role: .client)
        guard SSL_CTX_set_default_verify_paths(context.ctx) == 1 else { throw TLSError.fromQueue("system trust store") }
        if let file = extraCertificates, SSL_CTX_load_verify_locations(context.ctx, file, nil) != 1 {
            throw TLSError.fromQueue("trusted certificates \(file)")
        }
        if let v = maxVersion { _ = tt_ssl_ctx_set_max_proto(context.ctx, v) }
        SSL_CTX_set_verify(context.ctx, SSL_VERIFY_PEER, nil)
        return context
    }

    /// A server context with a PEM certificate chain and private key.
    public static func server(certificateChain: String, privateKey: String, maxVersion: Int32? = nil) throws(TLSError) -> TLSContext {
        let context = try TLSContext(role: .server)
        guard SSL_CTX_use_certificate_chain_file(context.ctx, certificateChain) == 1 else {
            throw TLSError.fromQueue("certificate \(certificateChain)")
        }
        guard SSL_CTX_use_PrivateKey_file(context.ctx, privateKey, SSL_FILETYPE_PEM) == 1,
              SSL_CTX_check_private_key(context.ctx) == 1 else {
            throw TLSError.fromQueue("private key \(privateKey)")
        }
        if let v = maxVersion { _ = tt_ssl_ctx_set_max_proto(context.ctx, v) }
        return context
    }

    public static var tls11: Int32 { tt_tls1_1_version() }
    public static var tls12: Int32 { tt_tls1_2_version() }
}
