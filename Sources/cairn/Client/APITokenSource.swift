import CairnAPI
import CairnPeer
import Foundation

/// Where the CLI finds the token of the peer it talks to: the data directory named with `--data`, else
/// `CAIRN_API_TOKEN`, else the default data directory (the common case of one peer per user).
enum APITokenSource {
    static let environmentVariable = "CAIRN_API_TOKEN"

    /// The token to send; nil only when none is found anywhere, in which case the peer's 401 says what to do.
    static func resolve(data: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> APIToken?
    {
        if let data {
            let root = DataDirectory(root: data).root
            guard let token = try read(root) else {
                throw CLIError(
                    "no API token in \(APITokenFile.path(dataDirectory: root)): is \(data) the data "
                        + "directory of the peer at --api? (`cairn run` writes one there at start)")
            }
            return token
        }
        if let text = environment[environmentVariable] {
            guard let token = APIToken(text) else {
                throw CLIError(
                    "\(environmentVariable) holds no API token: expected 16 to 256 visible ASCII "
                        + "characters, as in the api-token file of the peer's data directory")
            }
            return token
        }
        return try read(DataDirectory(root: DataDirectory.defaultRoot).root)
    }

    private static func read(_ root: String) throws -> APIToken? {
        do {
            return try APITokenFile.load(dataDirectory: root)
        } catch {
            throw CLIError("\(error)")
        }
    }
}
