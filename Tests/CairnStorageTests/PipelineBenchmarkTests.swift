import CairnStorage
import Foundation
import Testing

@Suite struct PipelineBenchmarkTests {
    @Test func reportsEveryStageUnderTheAgreedJSONKeys() throws {
        let report = try PipelineBenchmark.run(megabytes: 2, parameters: .init(segmentSize: 256 << 10, k: 4, n: 8))
        for value in [report.hashMBPerSecond, report.encryptMBPerSecond, report.erasureMBPerSecond,
                      report.putPipelineMBPerSecond, report.getPipelineMBPerSecond] {
            #expect(value > 0 && value.isFinite)
        }
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Double]
        #expect(Set(json?.keys ?? [:].keys) == [
            "hash_mb_s", "encrypt_mb_s", "erasure_mb_s", "put_pipeline_mb_s", "get_pipeline_mb_s",
        ])
        #expect(try JSONDecoder().decode(PipelineBenchmarkReport.self, from: JSONEncoder().encode(report)) == report)
    }
}
