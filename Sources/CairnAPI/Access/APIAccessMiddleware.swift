import Hummingbird

/// Applies `APIAccessPolicy` to every request before any route sees it, unknown paths included (so that a
/// client without the token learns nothing of which routes exist).
struct APIAccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let policy: APIAccessPolicy
    let sessions: DashboardSessions?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let cookies = request.headers[values: .cookie].joined(separator: "; ")
        let decision = policy.decide(
            method: request.method, path: request.uri.path, host: request.head.authority,
            origin: request.headers[.origin], authorization: request.headers[.authorization],
            session: sessions?.hasSession(cookieHeader: cookies) ?? false)
        if case .refuse(let refusal) = decision {
            // RFC 6750 §3: a 401 names the scheme the client should use.
            let headers: HTTPFields = refusal.challenge ? [.wwwAuthenticate: "Bearer realm=\"cairn\""] : [:]
            throw APIError(refusal.status, refusal.message, headers: headers, reason: refusal.reason.rawValue)
        }
        return try await next(request, context)
    }
}
