import EngineIO
import NIOSSL

/// A problem with the PEM files of ``EngineIO/EngineTLS/pemFiles(certificateChain:privateKey:)``.
public struct EngineTLSFileError: Error, CustomStringConvertible {
    /// What did not load, and why.
    public let description: String
}

extension EngineTLS {
    /// TLS through swift-nio-ssl with a PEM certificate chain and a PEM private key, for
    /// ``EngineIO/EngineServerConfiguration/tls`` (`https` and `wss` without a proxy in front).
    /// Throws ``EngineTLSFileError`` naming the file that did not load.
    public static func pemFiles(certificateChain certificatePath: String, privateKey keyPath: String) throws -> EngineTLS {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw EngineTLSFileError(description: "cannot read the certificate chain \(certificatePath): \(error)")
        }
        guard !chain.isEmpty else { throw EngineTLSFileError(description: "no certificate in \(certificatePath)") }
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw EngineTLSFileError(description: "cannot read the private key \(keyPath): \(error)")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw EngineTLSFileError(description: "the certificate and the key do not make a TLS context: \(error)")
        }
        return EngineTLS { NIOSSLServerHandler(context: context) }
    }
}
