import Foundation
import Testing
@testable import TLS

@Suite("Self-signed certificates made in process")
struct SelfSignedCertificateTests {
    @Test("a generated certificate is PEM, serves TLS, and is trusted as its own anchor by name and by IP")
    func servesAndIsTrusted() throws {
        let made = try SelfSignedCertificate.generate(
            commonName: "localhost", subjectAltNames: ["DNS:localhost", "IP:127.0.0.1"], validDays: 1)
        #expect(made.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(made.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let dir = NSTemporaryDirectory() + "tterminal-selfsigned-\(getpid())"
        let paths = try SelfSignedCertificate.write(
            commonName: "localhost", subjectAltNames: ["DNS:localhost", "IP:127.0.0.1"], validDays: 1, to: dir)
        for name in ["localhost", "127.0.0.1"] {
            let client = try TLSSession(context: try .client(trusting: paths.certificatePath), serverName: name)
            let server = try TLSSession(context: try .server(certificateChain: paths.certificatePath, privateKey: paths.keyPath))
            let (c, s) = connect(client, server)
            #expect(c == .done, "\(name)")
            #expect(s == .done, "\(name)")
        }
    }

    @Test("the key file is private to its owner and both files are rewritten in place")
    func files() throws {
        let dir = NSTemporaryDirectory() + "tterminal-selfsigned-files-\(getpid())"
        let first = try SelfSignedCertificate.write(commonName: "sim", subjectAltNames: ["DNS:sim"], validDays: 1, to: dir)
        let second = try SelfSignedCertificate.write(commonName: "sim", subjectAltNames: ["DNS:sim"], validDays: 1, to: dir)
        #expect(first == second)
        let attributes = try FileManager.default.attributesOfItem(atPath: second.keyPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let text = try String(contentsOfFile: second.certificatePath, encoding: .utf8)
        #expect(text.hasPrefix("-----BEGIN CERTIFICATE-----"))
    }

    @Test("an address or name not in the certificate is refused, with the reason")
    func otherNames() throws {
        let dir = NSTemporaryDirectory() + "tterminal-selfsigned-names-\(getpid())"
        let paths = try SelfSignedCertificate.write(commonName: "localhost", subjectAltNames: ["DNS:localhost"], validDays: 1, to: dir)
        for (name, reason) in [("127.0.0.1", "IP address mismatch"), ("example.com", "hostname mismatch")] {
            let client = try TLSSession(context: try .client(trusting: paths.certificatePath), serverName: name)
            let server = try TLSSession(context: try .server(certificateChain: paths.certificatePath, privateKey: paths.keyPath))
            let (c, _) = connect(client, server)
            guard case .failed(let error) = c else { Issue.record("\(name) was accepted"); continue }
            #expect(error.message.contains(reason), "\(error)")
        }
    }

    @Test("a bad subjectAltName is a clear error")
    func badAltName() {
        #expect(throws: TLSError.self) {
            try SelfSignedCertificate.generate(commonName: "x", subjectAltNames: ["NOPE:x"], validDays: 1)
        }
    }
}
