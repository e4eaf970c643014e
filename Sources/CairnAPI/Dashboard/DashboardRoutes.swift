import Foundation
import Hummingbird

/// The dashboard itself: `GET /` (the page), `GET /ui/{file}` (its CSS and JavaScript modules) and
/// `GET /login?t=TOKEN` (the one-time link `cairn dashboard` prints). The page and its files hold no data and
/// are served without a session, so that the page can say how to log in; every figure it shows comes from the
/// API, which needs the session.
struct DashboardRoutes: Sendable {
    let assets: DashboardAssets
    let sessions: DashboardSessions

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/") { _, _ in try assets.response("index.html") }
        router.get("ui/:file") { _, context in try assets.response(context.parameters.get("file") ?? "") }
        router.get("login") { request, _ in
            let token = try StrictQuery.value("t", in: request.uri.query) ?? ""
            guard let session = sessions.logIn(with: token) else {
                return Self.page(
                    status: .unauthorized,
                    "This login link was used already or has expired. Run <code>cairn dashboard</code> for a new one.")
            }
            // 303: the browser follows with a GET of the page, and the link leaves the address bar.
            return Response(
                status: .seeOther,
                headers: [
                    .location: "/",
                    .setCookie: sessions.cookie.setCookie(
                        value: session, maxAgeSeconds: sessions.sessionLifetimeSeconds),
                    .cacheControl: "no-store",
                    .init("Referrer-Policy")!: "no-referrer",
                ])
        }
    }

    /// A short HTML page for a person who followed a link.
    static func page(status: HTTPResponse.Status, _ message: String) -> Response {
        let html = """
            <!doctype html><meta charset="utf-8"><title>Cairn</title><link rel="icon" href="/ui/icon.svg"><link rel="stylesheet" href="/ui/style.css">
            <main><h1>Cairn</h1><p>\(message)</p></main>

            """
        var headers = DashboardAssets.headers
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: .init(string: html)))
    }
}
