import CairnPeer
import CairnStorage
import CairnWire
import NIOCore

/// The driver's answers to the machine's results, in the order `FileService` sends its commands (put:
/// `FileService.put`; get: `FileService.open`, `FileReader.stream`): each result of a file's command is answered
/// with that file's next command, or ends its phase.
extension FileSimulationRun {
    mutating func handle(_ result: PeerCommandResult, of command: CommandID, at node: Int) {
        guard let index = fileOfCommand.removeValue(forKey: command) else { return }
        switch files[index].phase {
        case .startingPut, .feeding, .finishingPut: putAnswered(result, file: index, node: node)
        case .locating, .startingGet, .fetching, .endingGet: getAnswered(result, file: index, node: node)
        case .stored, .done: break
        }
    }

    // MARK: - Put

    private mutating func putAnswered(_ result: PeerCommandResult, file index: Int, node: Int) {
        switch (files[index].phase, result) {
        case (.startingPut, .putStarted), (.feeding, .putSegmentAccepted):
            feed(file: index, node: node)
        case (.finishingPut, .putFinished(let summary)):
            files[index].putOK = true
            files[index].fileID = summary.fileID
            putEnded(file: index, failure: nil)
        case (_, .fileFailed(let failure)):
            putEnded(file: index, failure: failure.description)
        case (_, .failed(let reason)):
            putEnded(file: index, failure: reason)
        case (_, .putAborted):
            putEnded(file: index, failure: files[index].failure ?? "aborted")
        default:
            putEnded(file: index, failure: "an unexpected answer to a put: \(result)")
        }
    }

    /// Encodes and feeds the next segment, or finishes the put after the last one.
    private mutating func feed(file index: Int, node: Int) {
        guard let put = files[index].operation else { return }
        let segment = files[index].segment
        guard segment < parameters.segmentCount(forFileSize: files[index].fileSize) else {
            files[index].phase = .finishingPut
            return send(.finishPut(put: put, fileSize: files[index].fileSize), for: index, to: node)
        }
        do {
            let encoded = try files[index].encodeSegment(segment, payload: config.payload)
            files[index].segment += 1
            files[index].phase = .feeding
            send(.putSegment(put: put, encoded), for: index, to: node)
        } catch {
            // As `FileService.put`: the encoder failed, so the machine removes what was placed.
            files[index].failure = "\(error)"
            files[index].phase = .finishingPut
            send(.abortPut(put: put, reason: "\(error)"), for: index, to: node)
        }
    }

    private mutating func putEnded(file index: Int, failure: String?) {
        files[index].encoder = nil
        if let failure, files[index].failure == nil { files[index].failure = failure }
        files[index].phase = .stored
        files[index].segment = 0
        settled += 1
    }

    // MARK: - Get

    private mutating func getAnswered(_ result: PeerCommandResult, file index: Int, node: Int) {
        switch (files[index].phase, result) {
        case (.locating, .fileLocated(let location)):
            located(location, file: index, node: node)
        case (.startingGet, .getStarted):
            files[index].segment = 0
            fetchNext(file: index, node: node)
        case (.fetching, .segmentShards(let shards)):
            shardsArrived(shards, file: index, node: node)
        case (.endingGet, .getEnded):
            getEnded(file: index, failure: nil)
        case (.fetching, _):
            // The machine gave the segment up (`unavailable`): the get ends, as `FileReader.stream` ends it.
            files[index].failure = Self.reason(result)
            endGet(file: index, node: node)
        default:
            getEnded(file: index, failure: Self.reason(result))
        }
    }

    /// As `FileService.open` with a read capability: the key must open the descriptor's sealed name before
    /// anything is fetched; then the get starts.
    private mutating func located(_ location: FileLocation, file index: Int, node: Int) {
        guard let fileID = files[index].fileID else { return getEnded(file: index, failure: "no file ID") }
        do {
            _ = try location.descriptor.metadata(with: files[index].order.fileKey)
        } catch {
            return getEnded(file: index, failure: "the capability's key does not open the descriptor: \(error)")
        }
        let layout = PlacedFile(fileID: fileID, descriptor: location.descriptor, placement: location.placement)
        files[index].layout = layout
        guard !layout.segments.isEmpty else {
            files[index].getOK = true
            return getEnded(file: index, failure: nil)
        }
        // A checked get, as `FileReader.prepare` starts: the machine resolves the holders and checks the file.
        files[index].phase = .startingGet
        send(.startGet(GetOrder(layout: layout, segments: Array(layout.segments.indices), check: true)), for: index, to: node)
    }

    private mutating func fetchNext(file index: Int, node: Int) {
        guard let get = files[index].operation else { return getEnded(file: index, failure: "no get") }
        files[index].phase = .fetching
        send(.getSegment(get: get, segment: files[index].segment), for: index, to: node)
    }

    private mutating func shardsArrived(_ shards: SegmentShards, file index: Int, node: Int) {
        guard let get = files[index].operation else { return getEnded(file: index, failure: "no get") }
        switch files[index].check(shards, payload: config.payload) {
        case .intact:
            files[index].segment += 1
            if files[index].segment < files[index].segmentCount {
                fetchNext(file: index, node: node)
            } else {
                files[index].getOK = true
                endGet(file: index, node: node)
            }
        case .corrupt(let slot):
            // As `FileReader.fetchSegment`: the machine drops that shard and fetches another.
            send(.shardCorrupt(get: get, segment: shards.segment, slot: slot), for: index, to: node)
        case .failed(let reason):
            files[index].failure = reason
            endGet(file: index, node: node)
        }
    }

    private mutating func endGet(file index: Int, node: Int) {
        guard let get = files[index].operation else { return getEnded(file: index, failure: nil) }
        files[index].phase = .endingGet
        send(.endGet(get: get), for: index, to: node)
    }

    private mutating func getEnded(file index: Int, failure: String?) {
        if let failure, files[index].failure == nil { files[index].failure = failure }
        files[index].layout = nil
        files[index].decoder = nil
        files[index].phase = .done
        settled += 1
    }

    static func reason(_ result: PeerCommandResult) -> String {
        switch result {
        case .fileFailed(let failure): failure.description
        case .failed(let reason): reason
        default: "an unexpected answer to a get: \(result)"
        }
    }
}
