import Hummingbird

/// `POST /api/v0/dashboard/login`: a new one-time login token, for `cairn dashboard` to print as a link. It
/// takes the API token only (`APIAccessPolicy.tokenOnlyPaths`): whoever can read the data directory may log in.
struct LoginLinkRoute: Sendable {
    let sessions: DashboardSessions
    /// The `--dashboard` address, when the peer serves the dashboard there too.
    let dashboardAddress: String?

    func register<Context: RequestContext>(on group: RouterGroup<Context>) {
        group.post("dashboard/login") { _, _ in
            let token = sessions.issueLoginToken()
            return JSONBody.response(
                LoginLinkResponse(
                    token: token, path: "/login?t=\(token)", expiresIn: sessions.loginLifetimeSeconds,
                    dashboard: dashboardAddress))
        }
    }
}

/// `POST /api/v0/dashboard/login`.
public struct LoginLinkResponse: Codable, Sendable {
    /// The one-time token; `path` is the link to open on the API's address (or `dashboard`'s).
    public var token: String
    public var path: String
    /// Seconds until the link stops working; it works once.
    public var expiresIn: Int64
    /// HOST:PORT of the `--dashboard` listener, when there is one.
    public var dashboard: String?

    enum CodingKeys: String, CodingKey {
        case token, path, dashboard
        case expiresIn = "expires_in"
    }
}
