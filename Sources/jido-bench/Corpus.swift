import Foundation
import JidoToolSupport

/// Deterministic text that looks like a JidoCode conversation: English prose about code, Markdown
/// lists and fenced code blocks (quotes, tabs, backslashes, newlines), and about 3% of prose words
/// replaced by non-ASCII ones ("é", "–", "日本", emoji).
enum Corpus {
    static let nonASCIIWordRate = 0.03

    static let words: [String] = """
        the module function returns a list of session we can use pattern matching to handle error case \
        when process state GenServer supervisor tree call cast message test fails because value is nil \
        instead map key struct field update config file path request response timeout retry cache query \
        database index migration schema changeset validation user input output stream buffer token parse \
        encode decode JSON string binary integer float atom tuple keyword option default attribute macro \
        compile runtime dependency version release build deploy log warning this that it should would \
        could might now then first next finally also only each every all some new old existing current \
        previous simple small large fast slow safe correct better here there and or but so if in on for \
        with from into by at after before without handler router endpoint socket channel payload signature \
        verify sign key secret hash bytes file directory permission owner lock write read flush sync
        """.split(separator: " ").map(String.init)

    static let nonASCIIWords: [String] = [
        "café", "naïve", "résumé", "–", "—", "日本", "日本語", "🚀", "✅", "→", "über", "Zürich", "…",
        "façade", "São Paulo", "Ωmega", "ñandú", "🙂", "📦", "München", "déjà vu", "東京", "⚠️", "±",
    ]

    static let identifiers = [
        "session", "store", "cache", "worker", "registry", "payload", "buffer", "config", "account",
        "project", "todo", "message", "usage", "token", "prompt", "history", "manifest", "entry",
    ]

    static let modules = ["JidoCode", "MyApp", "Workbench", "Ledger", "Relay", "Atlas", "Beacon"]

    static let languages = ["elixir", "python", "rust", "typescript", "go", "shell", "makefile"]

    /// Fenced code in several languages; `@A` and `@B` are replaced by identifiers, `@M` by a module.
    static let codeTemplates: [(language: String, body: String)] = [
        ("elixir", #"""
        defmodule @M.@BStore do
          @moduledoc """
          Persists @A records and reloads them on start.
          """
          use GenServer
          require Logger

          def fetch_@A(%{"id" => id} = params) when is_binary(id) do
            with {:ok, record} <- Repo.fetch(@M.@B, id),
                 {:ok, _name} <- validate(params) do
              Logger.info("loaded @A #{id}\n")
              {:ok, record}
            else
              {:error, reason} -> {:error, "failed to load \"#{id}\": #{inspect(reason)}"}
            end
          end

          defp validate(%{"name" => name}) do
            if Regex.match?(~r/^[\w\-\.]+$/, name), do: {:ok, name}, else: {:error, :invalid_name}
          end
        end
        """#),
        ("elixir", #"""
        test "round-trips a @A through the @B" do
          path = Path.join(System.tmp_dir!(), "@A_#{System.unique_integer([:positive])}.json")
          assert :ok = @M.@B.write(path, %{"name" => "caf\u00e9", "tags" => ["a\tb", "c\\d"]})
          assert {:ok, %{"name" => name}} = @M.@B.read(path)
          assert name == "café"
        end
        """#),
        ("python", #"""
        def load_@A(path: str) -> dict:
            """Read a @A file; raises ValueError on a bad signature."""
            with open(path, "rb") as fh:
                raw = fh.read()
            data = json.loads(raw)
            if not hmac.compare_digest(sign(data), data.get("signature", "")):
                raise ValueError(f"bad signature in {path!r}")
            return {k: v for k, v in data.items() if k != "signature"}

        PATTERN = re.compile(r"^(?P<key>[\w.]+)\s*=\s*\"(?P<value>[^\"]*)\"$")
        """#),
        ("rust", #"""
        pub fn parse_@A(input: &str) -> Result<@B, Error> {
            let mut out = @B::default();
            for (line_no, line) in input.lines().enumerate() {
                let line = line.trim_end_matches('\r');
                if line.starts_with('#') || line.is_empty() {
                    continue;
                }
                let (key, value) = line
                    .split_once('=')
                    .ok_or_else(|| Error::Syntax(format!("line {}: expected \"key = value\"", line_no + 1)))?;
                out.insert(key.trim(), value.trim().trim_matches('"'));
            }
            Ok(out)
        }
        """#),
        ("typescript", #"""
        export async function fetch@B(id: string): Promise<@B> {
          const res = await fetch(`/api/@A/${encodeURIComponent(id)}`, {
            headers: { "Content-Type": "application/json", "X-Request-Id": crypto.randomUUID() },
          });
          if (!res.ok) {
            throw new Error(`request failed: ${res.status} "${await res.text()}"`);
          }
          return (await res.json()) as @B;
        }
        """#),
        ("go", "func (s *@BStore) Load(ctx context.Context, id string) (*@B, error) {\n"
            + "\trow := s.db.QueryRowContext(ctx, `SELECT data FROM @A WHERE id = $1`, id)\n"
            + "\tvar raw []byte\n"
            + "\tif err := row.Scan(&raw); err != nil {\n"
            + "\t\treturn nil, fmt.Errorf(\"load %q: %w\\n\", id, err)\n"
            + "\t}\n"
            + "\tvar out @B\n"
            + "\treturn &out, json.Unmarshal(raw, &out)\n"
            + "}"),
        ("makefile", ".PHONY: test @A\n\ntest:\n\tmix format --check-formatted\n\tmix test --cover\n\n"
            + "@A:\n\t@echo \"building @A for $(MIX_ENV)\"\n\tMIX_ENV=prod mix release --overwrite\n"),
        ("shell", #"""
        $ mix test test/@A_test.exs:42
        ** (MatchError) no match of right hand side value: {:error, :enoent}
            (@A 0.1.0) lib/@A/@B.ex:118: @M.@B.read!/1
            test/@A_test.exs:44: (test)
        PS C:\Users\dev\projects\@A> Get-Content .\config\dev.exs | Select-String "secret"
        """#),
    ]

    // MARK: - Generators

    static func word(_ rng: inout SplitMix64) -> String {
        rng.chance(nonASCIIWordRate) ? rng.pick(nonASCIIWords) : rng.pick(words)
    }

    static func sentence(_ rng: inout SplitMix64) -> String {
        let count = rng.int(in: 5...18)
        var out = ""
        for i in 0..<count {
            var w = word(&rng)
            if i == 0, let first = w.first { w = first.uppercased() + w.dropFirst() }
            let decoration = rng.below(40)
            if decoration == 0 { w = "\"" + w + "\"" }
            else if decoration == 1 { w = "`" + rng.pick(modules) + "." + rng.pick(identifiers) + "/\(rng.int(in: 0...3))`" }
            else if decoration == 2 { w = "`" + rng.pick(identifiers) + "_path`" }
            if i > 0 { out += rng.below(12) == 0 ? ", " : " " }
            out += w
        }
        out += rng.pick([".", ".", ".", ".", "?", "!", ":"])
        return out
    }

    static func paragraph(_ rng: inout SplitMix64) -> String {
        (0..<rng.int(in: 1...5)).map { _ in sentence(&rng) }.joined(separator: " ")
    }

    static func bulletList(_ rng: inout SplitMix64) -> String {
        (0..<rng.int(in: 2...5)).map { i in
            (rng.chance(0.5) ? "- " : "\(i + 1). ") + sentence(&rng)
        }.joined(separator: "\n")
    }

    static func codeBlock(_ rng: inout SplitMix64) -> String {
        let template = rng.pick(codeTemplates)
        let a = rng.pick(identifiers)
        let b = rng.pick(identifiers).capitalized
        let body = template.body
            .replacingOccurrences(of: "@A", with: a)
            .replacingOccurrences(of: "@B", with: b)
            .replacingOccurrences(of: "@M", with: rng.pick(modules))
        return "```" + template.language + "\n" + body + "\n```"
    }

    /// An assistant answer of at least `targetBytes` UTF-8 bytes: prose, lists and code.
    static func assistantMessage(_ rng: inout SplitMix64, targetBytes: Int) -> String {
        var blocks: [String] = []
        var size = 0
        repeat {
            let block: String
            switch rng.below(10) {
            case 0...4: block = paragraph(&rng)
            case 5...6: block = bulletList(&rng)
            default: block = codeBlock(&rng)
            }
            size += block.utf8.count + 2
            blocks.append(block)
        } while size < targetBytes
        return blocks.joined(separator: "\n\n")
    }

    /// A user prompt: a question, sometimes with pasted code or an error.
    static func userMessage(_ rng: inout SplitMix64, targetBytes: Int) -> String {
        var text = sentence(&rng)
        while text.utf8.count < targetBytes {
            text += rng.below(4) == 0 ? "\n\n" + codeBlock(&rng) : " " + sentence(&rng)
        }
        return text
    }
}
