import Hummingbird

/// `POST /api/v0/dashboard/login`: a new one-time login token, for `cairn dashboard` to print as a link. It
/// takes the API token only (`APIAccessPolicy.tokenOnlyPaths`): whoever can read the data directory may log in.
/// `POST /api/v0/dashboard/logout` ends the browser's session.
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
        // Logging out: the session ends on the peer, and the browser drops the cookie. (The policy asks a
        // cookie-bearing POST for the page's own Origin, so no other page can log the owner out either.)
        group.post("dashboard/logout") { request, _ in
            sessions.logOut(cookieHeader: request.headers[values: .cookie].joined(separator: "; "))
            var response = JSONBody.response(LogoutResponse(loggedOut: true))
            response.headers[.setCookie] = sessions.cookie.expired
            return response
        }
    }
}

/// `POST /api/v0/dashboard/logout`.
public struct LogoutResponse: Codable, Sendable {
    public var loggedOut: Bool

    enum CodingKeys: String, CodingKey {
        case loggedOut = "logged_out"
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
