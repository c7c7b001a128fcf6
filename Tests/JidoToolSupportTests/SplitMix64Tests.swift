import Testing
import JidoToolSupport

/// The generator every reproducible tool run depends on: the reference outputs, streams, ranges.
@Suite struct SplitMix64Tests {
    /// The first outputs of the reference implementation (Vigna's splitmix64.c) for seed 0.
    @Test func matchesTheReferenceSequence() {
        var generator = SplitMix64(seed: 0)
        #expect((0..<3).map { _ in generator.next() } == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
    }

    @Test func sameSeedSameSequenceAndStreamsDiffer() {
        var a = SplitMix64(seed: 42, stream: 1), b = SplitMix64(seed: 42, stream: 1), c = SplitMix64(seed: 42, stream: 2)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(first != (0..<8).map { _ in c.next() })
    }

    @Test func drawsStayInTheirRanges() {
        var generator = SplitMix64(seed: 7)
        var seen = Set<Int>()
        for _ in 0..<10_000 {
            let n = generator.int(in: -3...3)
            #expect((-3...3).contains(n))
            seen.insert(n)
            #expect((0..<5).contains(generator.below(5)))
            let unit = generator.unit()
            #expect(unit >= 0 && unit < 1)
            let log = generator.logUniform(1, 1000)
            #expect(log >= 1 && log <= 1000 * (1 + 1e-12))
        }
        #expect(seen.count == 7, "every value of the range is drawn")
        #expect(generator.below(1) == 0 && generator.below(0) == 0)
    }
}

/// The option parser of jido-bench and jido-stress: values, flags, and every refusal.
@Suite struct ToolArgumentsTests {
    @Test func parsesValuesFlagsAndInlineValues() throws {
        let args = try ToolArguments(["--dir", "/tmp/x", "--seed=9", "--json"], values: ["dir", "seed", "rounds"], flags: ["json"])
        #expect(args.value("dir") == "/tmp/x")
        #expect(try args.unsigned("seed") == 9)
        #expect(args.flag("json"))
        #expect(args.value("rounds") == nil)
        #expect(try args.integer("rounds", default: 3, in: 1...10) == 3)
        #expect(try args.required("dir") == "/tmp/x")
        #expect(!args.wantsHelp)
        #expect(try ToolArguments(["--help"], values: [], acceptsHelp: true).wantsHelp)
    }

    @Test(arguments: [
        ["stray"], ["--"], ["--bogus", "1"], ["--dir"], ["--dir", "--json"], ["--dir", ""], ["--dir", "a", "--dir", "b"],
        ["--json=1"], ["--json", "--json"], ["--help"],
    ])
    func refuses(_ argv: [String]) {
        #expect(throws: (any Error).self) { try ToolArguments(ArraySlice(argv), values: ["dir"], flags: ["json"]) }
    }

    @Test func refusesValuesOutOfRange() throws {
        let args = try ToolArguments(["--rounds", "11", "--seed", "-1", "--wait", "nan"], values: ["rounds", "seed", "wait"])
        #expect(throws: (any Error).self) { try args.integer("rounds", default: 3, in: 1...10) }
        #expect(throws: (any Error).self) { try args.unsigned("seed") }
        #expect(throws: (any Error).self) { try args.seconds("wait") }
        #expect(throws: (any Error).self) { try args.required("missing") }
    }
}
