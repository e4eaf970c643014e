import Testing

@testable import CairnAPI

/// `verify=` and other yes/no query parameters: what the OpenAPI document's enum says, and nothing else.
struct FileRoutesFlagTests {
    @Test(
        arguments: [
            (nil, false), ("false", false), ("0", false), ("no", false), ("true", true), ("1", true),
            ("yes", true),
        ] as [(String?, Bool)])
    func acceptedValues(text: String?, value: Bool) throws {
        #expect(try FileRoutes.flag(text, "verify") == value)
    }

    @Test(arguments: ["", "ture", "TRUE", "2", "on"])
    func otherValuesAreRefused(text: String) {
        #expect(throws: APIError.self) { try FileRoutes.flag(text, "verify") }
    }

    @Test func statusLabelsForTheMetrics() {
        #expect(APIError.label(.serviceUnavailable) == "service_unavailable")
        #expect(APIError.label(.notFound) == "not_found")
    }
}
