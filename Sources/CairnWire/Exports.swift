// Everything that speaks the wire also speaks in keys and PeerIDs.
@_exported import CairnCrypto
