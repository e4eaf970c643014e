import CairnCrypto
import NIOConcurrencyHelpers
import NIOCore

/// The peer's `SessionBook` behind a lock, with random tokens and the clock: shared by the API listener and the
/// `--dashboard` one, so that a link printed for either logs in to both.
public final class DashboardSessions: Sendable {
    public let cookie: SessionCookie
    private let book: NIOLockedValueBox<SessionBook>

    public init(peerID: Key256) {
        self.cookie = SessionCookie(peerID: peerID)
        self.book = NIOLockedValueBox(SessionBook())
    }

    var loginLifetimeSeconds: Int64 { book.withLockedValue { $0.limits.loginLifetime.nanoseconds / 1_000_000_000 } }
    var sessionLifetimeSeconds: Int64 {
        book.withLockedValue { $0.limits.sessionLifetime.nanoseconds / 1_000_000_000 }
    }

    /// A new one-time login token.
    func issueLoginToken() -> String {
        let token = Self.randomToken()
        book.withLockedValue { $0.addLoginToken(token, now: .now()) }
        return token
    }

    /// Redeems a login token for a new session token; nil when the login token is unknown, used or expired.
    func logIn(with loginToken: String) -> String? {
        book.withLockedValue { book in
            let now = NIODeadline.now()
            guard book.redeem(loginToken: loginToken, now: now) else { return nil }
            let session = Self.randomToken()
            book.openSession(session, now: now)
            return session
        }
    }

    /// Ends the session the request's `Cookie` header carries, if any.
    func logOut(cookieHeader: String?) {
        guard let value = cookie.value(in: cookieHeader) else { return }
        book.withLockedValue { $0.endSession(value) }
    }

    /// Whether the request's `Cookie` header carries a valid session of this peer.
    func hasSession(cookieHeader: String?) -> Bool {
        guard let value = cookie.value(in: cookieHeader) else { return false }
        return book.withLockedValue { $0.isValidSession(value, now: .now()) }
    }

    /// 32 random bytes as 64 hexadecimal digits, like the API token.
    static func randomToken() -> String { APIToken.generate().value }
}
