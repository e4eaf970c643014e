import ArgumentParser
import CairnAPI
import CairnPeer
import Foundation

struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Start a bootstrap peer and N−1 peers as real processes on 127.0.0.1.",
        discussion: """
            Peer i listens on BASE+i and serves its API and dashboard on BASE+1000+i; peer 0 is the bootstrap peer.
            Each peer's one-time dashboard login link is printed once the peers have joined.
            Runs until Ctrl-C, then stops every peer. With --detach it returns once the peers have joined,
            and `cairn sim cluster --stop --dir D` stops them later.
            """)

    @Option(help: "Number of peers, bootstrap peer included.") var peers: Int = 5
    @Option(help: "First TCP port; peer i listens on BASE+i, its API on BASE+1000+i.") var basePort: Int = 4100
    @Option(help: "Directory for the peers' data and logs.") var dir: String = "./cluster"
    @Flag(help: "Return once joined and leave the peers running.") var detach = false
    @Flag(help: "Stop the peers of a detached cluster in --dir.") var stop = false
    @Option(help: "Seconds to wait for the peers to join.") var timeout: Double = 60
    @Option(help: "Log level of the peers.") var logLevel: String = "info"
    @Flag(help: "Print JSON for scripts instead of text.") var json = false
    @Flag(help: "Peers do not register as storage providers on their own (see `cairn run --no-auto-register`).")
    var noAutoRegister = false
    @Option(help: "Network parameters (genesis JSON) for every peer (`cairn run --genesis`).")
    var genesis: String?

    func validate() throws {
        if stop { return }
        guard (1...500).contains(peers) else { throw ValidationError("--peers must be 1...500, got \(peers)") }
        guard basePort >= 1024, basePort + 1000 + peers <= 65535 else {
            throw ValidationError("--base-port \(basePort) leaves no room for \(peers) peers and their API ports")
        }
    }

    func run() async throws {
        let cluster = LocalCluster(directory: dir)
        if stop {
            let report = try cluster.stopDetached()
            print("stopped \(report.stopped) peers")
            if !report.alreadyGone.isEmpty {
                print("\(report.alreadyGone.count) had exited already; their PIDs "
                    + "(\(report.alreadyGone.map(String.init).joined(separator: ", "))) were not signalled")
            }
            if report.unreadable > 0 {
                print("\(report.unreadable) line(s) of the PID file named no peer that can be verified; not signalled")
            }
            return
        }
        try cluster.start(
            peers: peers, basePort: basePort, logLevel: logLevel,
            extraArguments: (noAutoRegister ? ["--no-auto-register"] : []) + (genesis.map { ["--genesis", $0] } ?? []))
        do {
            try await cluster.waitUntilJoined(timeout: timeout)
        } catch {
            cluster.stopAll()
            throw error
        }
        let logins = await loginLinks(cluster)
        if json {
            try printJSON(ClusterReport(peers: cluster.members.enumerated().map { index, member in
                .init(id: member.peerID, listen: "127.0.0.1:\(member.listenPort)", api: "127.0.0.1:\(member.apiPort)",
                      data: member.dataDirectory, pid: Int(member.pid), dashboard: logins[index])
            }))
        } else {
            printTable(["#", "PEER", "LISTEN", "API", "PID"], cluster.members.enumerated().map { index, member in
                ["\(index)", member.peerID, "127.0.0.1:\(member.listenPort)", "127.0.0.1:\(member.apiPort)", "\(member.pid)"]
            })
            print("\(cluster.members.count) peers joined; logs in \(dir)/peer-*/log; talk to peer i with "
                + "`cairn ... --api 127.0.0.1:\(basePort + 1000)+i --data \(dir)/peer-i`")
            print("dashboards (each link logs in once, within 10 minutes; `cairn dashboard --api ... --data ...` "
                + "prints a new one):")
            for (index, link) in logins.enumerated() {
                print("  peer \(index): \(link ?? "no login link: see \(cluster.members[index].dataDirectory)/log")")
            }
        }
        if detach {
            try cluster.writePIDFile()
            return
        }
        print("press Ctrl-C to stop the cluster")
        await waitForTerminationSignal()
        cluster.stopAll()
        print("stopped \(cluster.members.count) peers")
    }
}

/// Each peer's one-time dashboard login link (nil for a peer that did not give one).
func loginLinks(_ cluster: LocalCluster) async -> [String?] {
    var links: [String?] = []
    for member in cluster.members {
        let address = "127.0.0.1:\(member.apiPort)"
        let link = try? await member.client.json(.POST, "/api/v0/dashboard/login", as: LoginLinkResponse.self)
        links.append(link.map { DashboardCommand.urls($0, api: address)[0] })
    }
    return links
}

struct ClusterReport: Codable {
    struct Member: Codable {
        var id: String
        var listen: String
        var api: String
        /// The peer's data directory: `--data` for the CLI, which reads the API token there.
        var data: String
        var pid: Int
        /// A one-time link that logs a browser in to the peer's dashboard.
        var dashboard: String?
    }
    var peers: [Member]
}
