import CairnCrypto
import NIOCore

/// The dashboard's one-time login tokens and the sessions they open (issue 10, item 3), as plain data with the
/// time passed in, so that single use, expiry and the bounds are tested without a socket or a clock.
///
/// `cairn dashboard` asks the peer (with the API token) for a login token and prints it as a link; opening the
/// link redeems the token, once, for a session token that the browser keeps in an HttpOnly cookie. Only
/// SHA-256 hashes of both are kept, so that a lookup's timing says nothing of a stored token's bytes.
struct SessionBook: Sendable {
    struct Limits: Sendable {
        /// Time from `cairn dashboard` until its link stops working.
        var loginLifetime: TimeAmount = .minutes(10)
        /// Time a session lasts from its login; then the owner runs `cairn dashboard` again.
        var sessionLifetime: TimeAmount = .hours(12)
        /// Login tokens outstanding at once; past it, the oldest is dropped.
        var maxLoginTokens = 32
        /// Sessions open at once; past it, the oldest ends.
        var maxSessions = 64
    }

    let limits: Limits
    /// Hash of a token → when it stops being valid.
    private var loginTokens: [Key256: NIODeadline] = [:]
    private var sessions: [Key256: NIODeadline] = [:]

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    var openSessions: Int { sessions.count }

    /// Records `token` (random, made by the caller) as a login token valid until `now + loginLifetime`.
    mutating func addLoginToken(_ token: String, now: NIODeadline) {
        Self.prune(&loginTokens, now: now, keeping: limits.maxLoginTokens - 1)
        loginTokens[Self.hash(token)] = now + limits.loginLifetime
    }

    /// Consumes a login token: true (and it is gone) when it was valid; false when unknown, used or expired.
    mutating func redeem(loginToken: String, now: NIODeadline) -> Bool {
        guard let expiry = loginTokens.removeValue(forKey: Self.hash(loginToken)) else { return false }
        return now < expiry
    }

    /// Opens a session for `token` (random, made by the caller) until `now + sessionLifetime`.
    mutating func openSession(_ token: String, now: NIODeadline) {
        Self.prune(&sessions, now: now, keeping: limits.maxSessions - 1)
        sessions[Self.hash(token)] = now + limits.sessionLifetime
    }

    /// Ends the session `token` names, if any (logging out).
    mutating func endSession(_ token: String) {
        sessions[Self.hash(token)] = nil
    }

    /// Whether `token` names a session that has not expired.
    func isValidSession(_ token: String, now: NIODeadline) -> Bool {
        guard let expiry = sessions[Self.hash(token)] else { return false }
        return now < expiry
    }

    /// Drops expired entries, then the ones expiring first until at most `keeping` remain.
    private static func prune(_ entries: inout [Key256: NIODeadline], now: NIODeadline, keeping: Int) {
        entries = entries.filter { now < $0.value }
        while entries.count > max(0, keeping), let oldest = entries.min(by: { $0.value < $1.value }) {
            entries[oldest.key] = nil
        }
    }

    private static func hash(_ token: String) -> Key256 { SHA256.hash(Array(token.utf8)) }
}
