import Hummingbird

/// `GET /api/v0/health`: the one route that needs no token, so that a supervisor or a load balancer can ask
/// whether the peer is up without holding the secret; it says nothing else.
struct HealthRoute: Sendable {
    func register<Context: RequestContext>(on group: RouterGroup<Context>) {
        group.get("health") { _, _ in JSONBody.response(HealthResponse(status: "ok")) }
    }
}
