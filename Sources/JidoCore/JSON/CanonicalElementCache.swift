/// The canonical encodings of the elements of one top-level array member (a session's
/// `conversation`) from the previous encoding of the same document, so that the next encoding
/// copies the elements that did not change instead of encoding them again.
///
/// A conversation mostly grows at its end between two saves; with the cache a save encodes the
/// new messages only. Correctness rests on two facts: an element's canonical encoding at a given
/// depth depends on its value alone, and `JSONValue ==` is exact (strings and keys byte for byte,
/// floats by bit pattern). An element is reused only when it equals the cached one at the same
/// index; anything else is encoded afresh, so the output is always the bytes `encode` gives.
struct CanonicalElementCache: Sendable {
    /// The top-level member whose array elements are cached.
    let memberKey: String
    private(set) var elements: [JSONValue] = []
    /// `encodings[i]`: the canonical bytes of `elements[i]` at depth 2, without its indentation.
    private(set) var encodings: [[UInt8]] = []
    /// The total size of `encodings`.
    private(set) var encodedBytes = 0
    /// In the last encoding, the offset just past the array's last element (nil when the member
    /// was absent or empty): the bytes before it are the ones an append leaves unchanged.
    var lastElementEnd: Int?

    init(memberKey: String) { self.memberKey = memberKey }

    mutating func replace(elements: [JSONValue], encodings: [[UInt8]], lastElementEnd: Int) {
        self.elements = elements
        self.encodings = encodings
        self.lastElementEnd = lastElementEnd
        encodedBytes = encodings.reduce(0) { $0 + $1.count }
    }
}
