import COpenSSL
import Glibc

/// A self-signed certificate made in process (OpenSSL 3): a P-256 key and an X.509 v3 certificate
/// whose subject is its own issuer, with `subjectAltName`, `basicConstraints CA:TRUE` (so a client
/// can load it as a trust anchor with `TLSContext.client(trusting:)`) and key usages for both
/// signing certificates and serving TLS. For the simulator and tests; not for production.
public enum SelfSignedCertificate {
    /// The certificate and its unencrypted private key, both PEM. `subjectAltNames` entries are
    /// OpenSSL's form: `"DNS:localhost"`, `"IP:127.0.0.1"`.
    public static func generate(
        commonName: String, subjectAltNames: [String], validDays: Int = 30
    ) throws(TLSError) -> (certificatePEM: String, privateKeyPEM: String) {
        precondition(validDays > 0, "validDays must be positive")
        guard let key = tt_ec_p256_keygen() else { throw TLSError.fromQueue("generating a P-256 key") }
        defer { EVP_PKEY_free(key) }
        guard let cert = X509_new() else { throw TLSError.fromQueue("X509_new") }
        defer { X509_free(cert) }
        try describe(cert, commonName: commonName, validDays: validDays, key: key)
        var extensions = [
            (NID_basic_constraints, "critical,CA:TRUE"),
            (NID_key_usage, "critical,digitalSignature,keyCertSign"),
            (NID_ext_key_usage, "serverAuth,clientAuth"),
            (NID_subject_key_identifier, "hash"),
        ]
        if !subjectAltNames.isEmpty { extensions.append((NID_subject_alt_name, subjectAltNames.joined(separator: ","))) }
        for (nid, value) in extensions { try addExtension(cert, nid: nid, value: value) }
        guard X509_sign(cert, key, EVP_sha256()) > 0 else { throw TLSError.fromQueue("signing the certificate") }
        let certificatePEM = try pem("writing the certificate") { PEM_write_bio_X509($0, cert) }
        let keyPEM = try pem("writing the private key") { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) }
        return (certificatePEM, keyPEM)
    }

    /// Generates a certificate and writes `cert.pem` and `key.pem` (mode 0600) into `directory`,
    /// which is created if missing.
    public static func write(
        commonName: String, subjectAltNames: [String], validDays: Int = 30, to directory: String
    ) throws(TLSError) -> (certificatePath: String, keyPath: String) {
        let made = try generate(commonName: commonName, subjectAltNames: subjectAltNames, validDays: validDays)
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw TLSError(context: "creating \(directory)", message: String(cString: strerror(errno)))
        }
        let paths = (certificatePath: directory + "/cert.pem", keyPath: directory + "/key.pem")
        try writeFile(paths.certificatePath, made.certificatePEM, mode: 0o644)
        try writeFile(paths.keyPath, made.privateKeyPEM, mode: 0o600)
        return paths
    }

    /// Version 3, a random serial, validity from an hour ago (clock skew) for `validDays`, the
    /// common name as subject and issuer, and the public key.
    private static func describe(_ cert: OpaquePointer, commonName: String, validDays: Int, key: OpaquePointer) throws(TLSError) {
        var serial = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&serial, Int32(serial.count)) == 1 else { throw TLSError.fromQueue("drawing a serial number") }
        serial[0] &= 0x7F  // positive
        guard let number = BN_bin2bn(serial, Int32(serial.count), nil) else { throw TLSError.fromQueue("BN_bin2bn") }
        defer { BN_free(number) }
        guard X509_set_version(cert, 2) == 1,
              BN_to_ASN1_INTEGER(number, X509_get_serialNumber(cert)) != nil,
              X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != nil,
              X509_time_adj_ex(X509_getm_notAfter(cert), Int32(clamping: validDays), 0, nil) != nil,
              X509_set_pubkey(cert, key) == 1,
              let name = X509_get_subject_name(cert),
              X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, commonName, -1, -1, 0) == 1,
              X509_set_issuer_name(cert, name) == 1 else {
            throw TLSError.fromQueue("filling in the certificate for \(commonName)")
        }
    }

    private static func addExtension(_ cert: OpaquePointer, nid: Int32, value: String) throws(TLSError) {
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, cert, cert, nil, nil, 0)
        guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
            throw TLSError.fromQueue("certificate extension \(String(cString: OBJ_nid2sn(nid))) = \(value)")
        }
        defer { X509_EXTENSION_free(ext) }
        guard X509_add_ext(cert, ext, -1) == 1 else { throw TLSError.fromQueue("adding extension \(value)") }
    }

    /// Runs `write` into a memory BIO and returns what it wrote.
    private static func pem(_ what: String, _ write: (OpaquePointer) -> Int32) throws(TLSError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw TLSError.fromQueue("BIO_new") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw TLSError.fromQueue(what) }
        var bytes = [UInt8](repeating: 0, count: Int(BIO_ctrl_pending(bio)))
        let n = BIO_read(bio, &bytes, Int32(bytes.count))
        guard n == bytes.count else { throw TLSError.fromQueue(what) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func writeFile(_ path: String, _ text: String, mode: mode_t) throws(TLSError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw TLSError(context: "creating \(path)", message: String(cString: strerror(errno))) }
        defer { close(fd) }
        _ = fchmod(fd, mode)  // an existing file keeps its old mode through O_CREAT
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw TLSError(context: "writing \(path)", message: String(cString: strerror(errno)))
            }
            done += n
        }
    }
}
