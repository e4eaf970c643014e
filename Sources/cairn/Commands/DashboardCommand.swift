import ArgumentParser
import CairnAPI
import Foundation

struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Print a one-time link that logs a browser in to the running peer's dashboard.",
        discussion: """
            The peer serves its dashboard at the root of its API address (and at `cairn run --dashboard`'s). \
            Opening the link sets a session cookie and shows the dashboard; the link works once, for 10 minutes. \
            Asking for it takes the API token, read from --data (or CAIRN_API_TOKEN).

            Example: cairn dashboard --data ~/.cairn
            """)

    @OptionGroup var options: APIOptions

    func run() async throws {
        let link = try await options.client().json(.POST, "/api/v0/dashboard/login", as: LoginLinkResponse.self)
        let urls = Self.urls(link, api: options.api)
        if options.json { return try printJSON(DashboardLink(url: urls[0], urls: urls, expiresIn: link.expiresIn)) }
        print(urls[0])
        if urls.count > 1 { print("(or the same link on the API's address: \(urls[1]))") }
        FileHandle.standardError.write(Data("one use, within \(link.expiresIn / 60) minutes\n".utf8))
    }

    /// The link on the `--dashboard` address first when the peer has one, then on the API's address.
    static func urls(_ link: LoginLinkResponse, api: String) -> [String] {
        ([link.dashboard].compactMap { $0 } + [api]).map { "http://\($0)\(link.path)" }
    }
}

struct DashboardLink: Codable {
    var url: String
    var urls: [String]
    var expiresIn: Int64

    enum CodingKeys: String, CodingKey {
        case url, urls
        case expiresIn = "expires_in"
    }
}
