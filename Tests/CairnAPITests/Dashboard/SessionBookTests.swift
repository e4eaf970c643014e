import NIOCore
import Testing

@testable import CairnAPI

/// The dashboard's login tokens and sessions as plain data, the clock passed in.
struct SessionBookTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test func aLoginTokenWorksOnceOnly() {
        var book = SessionBook()
        book.addLoginToken("login-1", now: start)
        let redeemed1 = book.redeem(loginToken: "login-1", now: start + .seconds(1))
        #expect(redeemed1)
        let redeemed2 = book.redeem(loginToken: "login-1", now: start + .seconds(2))
        #expect(!redeemed2, "a used link logs no one in")
    }

    @Test func anUnknownOrAlteredTokenIsRefused() {
        var book = SessionBook()
        book.addLoginToken("login-1", now: start)
        let redeemed3 = book.redeem(loginToken: "login-2", now: start)
        #expect(!redeemed3)
        let redeemed4 = book.redeem(loginToken: "", now: start)
        #expect(!redeemed4)
        let redeemed5 = book.redeem(loginToken: "login-1 ", now: start)
        #expect(!redeemed5)
        let redeemed6 = book.redeem(loginToken: "login-1", now: start)
        #expect(redeemed6, "failed guesses do not use the real token up")
    }

    @Test func aLoginTokenExpires() {
        var book = SessionBook()
        book.addLoginToken("late", now: start)
        let redeemed7 = book.redeem(loginToken: "late", now: start + book.limits.loginLifetime)
        #expect(!redeemed7)
        book.addLoginToken("in-time", now: start)
        let redeemed8 = book.redeem(loginToken: "in-time", now: start + book.limits.loginLifetime - .seconds(1))
        #expect(redeemed8)
    }

    @Test func aSessionLastsItsLifetime() {
        var book = SessionBook()
        book.openSession("session", now: start)
        #expect(book.isValidSession("session", now: start + .hours(1)))
        #expect(!book.isValidSession("session", now: start + book.limits.sessionLifetime))
        #expect(!book.isValidSession("other", now: start))
        #expect(!book.isValidSession("", now: start))
    }

    @Test func aSessionEndsWhenLoggedOut() {
        var book = SessionBook()
        book.openSession("session", now: start)
        book.openSession("other", now: start)
        book.endSession("session")
        #expect(!book.isValidSession("session", now: start))
        #expect(book.isValidSession("other", now: start), "only the session named ends")
    }

    @Test func aLoginTokenIsNotASessionNorTheReverse() {
        var book = SessionBook()
        book.addLoginToken("login", now: start)
        book.openSession("session", now: start)
        #expect(!book.isValidSession("login", now: start))
        let redeemed9 = book.redeem(loginToken: "session", now: start)
        #expect(!redeemed9)
    }

    @Test func theOldestGoFirstPastTheBounds() {
        var limits = SessionBook.Limits()
        limits.maxSessions = 3
        limits.maxLoginTokens = 2
        var book = SessionBook(limits: limits)
        for index in 0..<4 { book.openSession("s\(index)", now: start + .seconds(Int64(index))) }
        #expect(book.openSessions == 3)
        #expect(!book.isValidSession("s0", now: start + .seconds(5)))
        #expect(book.isValidSession("s3", now: start + .seconds(5)))
        for index in 0..<3 { book.addLoginToken("l\(index)", now: start + .seconds(Int64(index))) }
        let redeemed10 = book.redeem(loginToken: "l0", now: start + .seconds(5))
        #expect(!redeemed10)
        let redeemed11 = book.redeem(loginToken: "l2", now: start + .seconds(5))
        #expect(redeemed11)
    }
}
