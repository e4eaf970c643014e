import HTTPTypes

/// Who may use the API, decided from a request's head alone and so tested without a socket (DESIGN.md §8,
/// issue 10 item 3). Three checks, in this order:
///
/// 1. **Host** (DNS rebinding): a page on `evil.example` whose name the attacker re-points at 127.0.0.1 talks
///    to the API as its own origin, but its requests still carry `Host: evil.example`. Only the API's own
///    address, `localhost`, `127.0.0.1` or `[::1]` with the API's port, and names the operator configured
///    (`--api-host`) are answered; anything else gets 421.
/// 2. **Origin** (CSRF): a state-changing request (anything but GET, HEAD, OPTIONS) that carries an `Origin`
///    other than one of those addresses is refused with 403. Clients that are not browsers send no `Origin`;
///    browsers always send it on such requests, so a foreign page cannot act through the owner's browser.
/// 3. **Token or session**: every route but the health check and the dashboard's static files and login needs
///    `Authorization: Bearer TOKEN`, or the dashboard's session cookie (`DashboardSessions`); else 401. A request
///    that carries the cookie and changes state must also carry its own `Origin`: a cookie is sent by the browser
///    whoever wrote the request, so its absence is not taken as "not a browser" (CSRF). Asking for a login link
///    takes the token only, so that a session cannot make itself new ones.
///
/// No CORS headers are ever sent, so a browser lets no foreign page read an answer either.
public struct APIAccessPolicy: Sendable {
    /// Routes that need no token: a load balancer or a supervisor may ask whether the peer is up.
    public static let publicPaths: Set<String> = ["/api/v0/health", "/", "/login"]
    /// The dashboard's HTML, CSS and JavaScript (no data in them) are public too: the page says how to log in.
    public static let publicPrefix = "/ui/"
    /// Routes that take the API token only, never a session cookie.
    public static let tokenOnlyPaths: Set<String> = ["/api/v0/dashboard/login"]

    let token: APIToken
    let port: Int
    /// Host names answered on the API's own port (or with no port when it is 80).
    private let namesOnPort: Set<String>
    /// Configured names given without a port: answered with no port (behind a proxy on 80 or 443) or the API's.
    private let namesAnyDefaultPort: Set<String>
    /// Configured `name:port` pairs, answered exactly.
    private let authorities: Set<HostAuthority>

    /// `bindHost` and `port` are the address the API listens on; `extraHosts` are `NAME` or `NAME:PORT` values
    /// of `--api-host` (nil from `HostAuthority(parsing:)` is the caller's to refuse).
    public init(token: APIToken, bindHost: String, port: Int, extraHosts: [HostAuthority] = []) {
        self.token = token
        self.port = port
        var names = Set(HostAuthority.loopbackHosts)
        let bound = HostAuthority(host: bindHost, port: nil).host
        // A wildcard address names no host a client could use.
        if !["0.0.0.0", "::", ""].contains(bound) { names.insert(bound) }
        self.namesOnPort = names
        self.namesAnyDefaultPort = Set(extraHosts.filter { $0.port == nil }.map(\.host))
        self.authorities = Set(extraHosts.filter { $0.port != nil })
    }

    /// A refusal: the status, the sentence for `{"error": ...}`, whether to challenge for a bearer token, and
    /// a short reason for the metrics.
    public struct Refusal: Error, Equatable, Sendable {
        public var status: HTTPResponse.Status
        public var message: String
        public var challenge: Bool
        public var reason: Reason
    }

    public enum Reason: String, Sendable {
        case host, origin
        case tokenMissing = "token_missing"
        case tokenMalformed = "token_malformed"
        case tokenWrong = "token_wrong"
        case sessionWithoutOrigin = "session_without_origin"
    }

    public enum Decision: Equatable, Sendable {
        case allow
        case refuse(Refusal)
    }

    /// The decision for a request with this method, path (no query) and these header values; `session` says
    /// whether it carries a valid dashboard session cookie (see `DashboardSessions`).
    public func decide(
        method: HTTPRequest.Method, path: String, host: String?, origin: String?, authorization: String?,
        session: Bool = false
    ) -> Decision {
        guard let host else {
            return refuse(
                .misdirectedRequest, .host, "the request has no Host header; this API answers to \(answeredHosts)")
        }
        guard accepts(host: host) else {
            return refuse(
                .misdirectedRequest, .host,
                "Host '\(host.prefix(100))' is not this peer's API address, so the request is refused (DNS "
                    + "rebinding); this API answers to \(answeredHosts), and to other names given with "
                    + "`cairn run --api-host NAME`")
        }
        if Self.changesState(method), let origin, !accepts(origin: origin) {
            return refuse(
                .forbidden, .origin,
                "cross-origin request refused: Origin '\(origin.prefix(100))' is not this peer's own, and a "
                    + "\(method) from a foreign page is never taken (CSRF)")
        }
        if Self.isPublic(path) { return .allow }
        if authorization == nil, session, !Self.tokenOnlyPaths.contains(path) {
            guard Self.changesState(method), origin == nil else { return .allow }
            return refuse(
                .forbidden, .sessionWithoutOrigin,
                "a \(method) with the dashboard's session cookie must carry the page's Origin header (CSRF)")
        }
        guard let authorization else {
            return refuse(
                .unauthorized, .tokenMissing,
                "this API needs its token: send `Authorization: Bearer TOKEN` with the token in the peer's data "
                    + "directory (DATA/\(APITokenFile.name)); the CLI reads it with --data DATA or from "
                    + "CAIRN_API_TOKEN")
        }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            return refuse(.unauthorized, .tokenMalformed, "the Authorization header is not `Bearer TOKEN`")
        }
        guard token.matches(parts[1].drop(while: { $0 == " " })) else {
            return refuse(
                .unauthorized, .tokenWrong,
                "the API token is wrong: it is not the one in this peer's data directory (DATA/\(APITokenFile.name))")
        }
        return .allow
    }

    /// A 401 challenges the client for a bearer token (RFC 6750 §3); other refusals do not.
    private func refuse(_ status: HTTPResponse.Status, _ reason: Reason, _ message: String) -> Decision {
        .refuse(Refusal(status: status, message: message, challenge: status == .unauthorized, reason: reason))
    }

    /// Whether a `Host` value names this API.
    public func accepts(host text: String, defaultPort: Int = 80) -> Bool {
        guard let authority = HostAuthority(parsing: text) else { return false }
        if authorities.contains(authority) { return true }
        let port = authority.port ?? defaultPort
        if namesOnPort.contains(authority.host) { return port == self.port }
        if namesAnyDefaultPort.contains(authority.host) { return authority.port == nil || port == self.port }
        return false
    }

    /// Whether an `Origin` (RFC 6454 §7: `scheme://host[:port]`) is one of this API's own addresses.
    public func accepts(origin: String) -> Bool {
        for (scheme, defaultPort) in [("http://", 80), ("https://", 443)] where origin.lowercased().hasPrefix(scheme) {
            return accepts(host: String(origin.dropFirst(scheme.count)), defaultPort: defaultPort)
        }
        // "null" (sandboxed frames, local files) and every other scheme.
        return false
    }

    static func isPublic(_ path: String) -> Bool {
        publicPaths.contains(path) || (path.hasPrefix(publicPrefix) && !path.contains(".."))
    }

    static func changesState(_ method: HTTPRequest.Method) -> Bool {
        ![.get, .head, .options].contains(method)
    }

    private var answeredHosts: String {
        let names = namesOnPort.sorted().map { HostAuthority(host: $0, port: port).description }
        return (names + authorities.map(\.description).sorted() + namesAnyDefaultPort.sorted())
            .joined(separator: ", ")
    }
}
