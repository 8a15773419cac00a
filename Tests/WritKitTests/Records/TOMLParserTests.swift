import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// A TOML document and the exact table it must parse to.
struct ValidTOMLCase: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String
    let expected: TOMLTable

    var testDescription: String { name }

    init(_ name: String, _ text: String, _ expected: TOMLTable) {
        self.name = name
        self.text = text
        self.expected = expected
    }
}

/// A document that is not TOML v1.0.0.
struct InvalidTOMLCase: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String

    var testDescription: String { name }

    init(_ name: String, _ text: String) {
        self.name = name
        self.text = text
    }
}

/// An invalid document with the position and a word of the message its error must have.
struct LocatedTOMLError: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String
    let line: Int
    let column: Int
    let mentions: String

    var testDescription: String { name }

    init(_ name: String, _ text: String, line: Int, column: Int, mentions: String) {
        self.name = name
        self.text = text
        self.line = line
        self.column = column
        self.mentions = mentions
    }
}

private func string(_ text: String) -> TOMLValue { .string(text) }
private func integer(_ value: Int) -> TOMLValue { .integer(value) }
private func table(_ table: TOMLTable) -> TOMLValue { .table(table) }

@Suite struct TOMLParserTests {
    // MARK: Valid documents

    static let structure: [ValidTOMLCase] = [
        ValidTOMLCase("empty document", "", [:]),
        ValidTOMLCase("only comments and blank lines", "# a comment\n\n  \t# another\n   \n", [:]),
        ValidTOMLCase("comment after a value", "a = 1 # one\nb = 2#two\n", ["a": integer(1), "b": integer(2)]),
        ValidTOMLCase("no whitespace around '='", "a=1\n", ["a": integer(1)]),
        ValidTOMLCase("tabs as whitespace", "\ta\t=\t1\t\n", ["a": integer(1)]),
        ValidTOMLCase("no final newline", "a = 1", ["a": integer(1)]),
        ValidTOMLCase(
            "CRLF line endings everywhere", "a = 1\r\n# note\r\n[b]\r\nc = 'x' # why\r\n\r\n[[d]]\r\n",
            ["a": integer(1), "b": table(["c": string("x")]), "d": .array([table([:])])]),
        ValidTOMLCase(
            "non-ASCII text in a comment", "# ünïcödé ☃ comment\na = 1\n", ["a": integer(1)]),
        ValidTOMLCase(
            "keys keep first-definition order", "zebra = 1\napple = 2\nmango = 3\n",
            ["zebra": integer(1), "apple": integer(2), "mango": integer(3)]),
    ]

    static let keys: [ValidTOMLCase] = [
        ValidTOMLCase(
            "bare keys", "key = 1\nbare_key = 2\nbare-key = 3\n1234 = 4\nA-z_09 = 5\n",
            [
                "key": integer(1), "bare_key": integer(2), "bare-key": integer(3), "1234": integer(4),
                "A-z_09": integer(5),
            ]
        ),
        ValidTOMLCase(
            "quoted keys",
            #"""
            "127.0.0.1" = 1
            "character encoding" = 2
            "ʎǝʞ" = 3
            'key2' = 4
            'quoted "value"' = 5
            "tab\there" = 6
            """#,
            [
                "127.0.0.1": integer(1), "character encoding": integer(2), "ʎǝʞ": integer(3), "key2": integer(4),
                "quoted \"value\"": integer(5), "tab\there": integer(6),
            ]),
        ValidTOMLCase("empty basic-quoted key", #""" = "blank""#, ["": string("blank")]),
        ValidTOMLCase("empty literal-quoted key", "'' = 'blank'", ["": string("blank")]),
        ValidTOMLCase(
            "keys that look like values", "true = 1\nfalse = 2\ninf = 3\nnan = 4\n0x10 = 5\n",
            ["true": integer(1), "false": integer(2), "inf": integer(3), "nan": integer(4), "0x10": integer(5)]),
        ValidTOMLCase(
            "dotted keys",
            #"""
            name = "Orange"
            physical.color = "orange"
            physical.shape = "round"
            site."google.com" = true
            """#,
            [
                "name": string("Orange"),
                "physical": table(["color": string("orange"), "shape": string("round")]),
                "site": table(["google.com": .boolean(true)]),
            ]),
        ValidTOMLCase(
            "whitespace around dots", "fruit.name = 1\nfruit. color = 2\nfruit . flavor = 3\n",
            ["fruit": table(["name": integer(1), "color": integer(2), "flavor": integer(3)])]),
        ValidTOMLCase("a float-looking key is two parts", "3.14159 = 'pi'", ["3": table(["14159": string("pi")])]),
        ValidTOMLCase(
            "dotted keys out of order", "apple.type = 'fruit'\norange.type = 'fruit'\napple.skin = 'thin'\n",
            [
                "apple": table(["type": string("fruit"), "skin": string("thin")]),
                "orange": table(["type": string("fruit")]),
            ]),
        ValidTOMLCase(
            "dotted keys extend a table they created, deeper", "a.b.c = 1\na.b.d = 2\na.e = 3\n",
            ["a": table(["b": table(["c": integer(1), "d": integer(2)]), "e": integer(3)])]),
        ValidTOMLCase(
            "escaped quoted key parts", #""a\"b".'c.d' = 1"#, ["a\"b": table(["c.d": integer(1)])]),
        ValidTOMLCase(
            "precomposed and decomposed spellings are different keys", "\"\u{E9}\" = 1\n\"e\u{301}\" = 2\n",
            TOMLTable([(key: "\u{E9}", value: integer(1)), (key: "e\u{301}", value: integer(2))])),
    ]

    static let strings: [ValidTOMLCase] = [
        ValidTOMLCase(
            "basic string escapes", #"a = "\b\t\n\f\r\"\\ \u00E9 \U0001F600 \u0000 end""#,
            ["a": string("\u{8}\t\n\u{C}\r\"\\ é 😀 \u{0} end")]),
        ValidTOMLCase("tab inside a basic string", "a = \"x\ty\"", ["a": string("x\ty")]),
        ValidTOMLCase(
            "non-ASCII inside strings", "a = \"日本語\"\nb = 'ça va'", ["a": string("日本語"), "b": string("ça va")]),
        ValidTOMLCase(
            "literal strings keep backslashes",
            #"""
            winpath = 'C:\Users\nodejs\templates'
            quoted = 'Tom "Dubs" Preston-Werner'
            regex = '<\i\c*\s*>'
            """#,
            [
                "winpath": string(#"C:\Users\nodejs\templates"#), "quoted": string(#"Tom "Dubs" Preston-Werner"#),
                "regex": string(#"<\i\c*\s*>"#),
            ]),
        ValidTOMLCase(
            "empty strings of every kind", "a = \"\"\nb = ''\nc = \"\"\"\"\"\"\nd = ''''''\n",
            ["a": string(""), "b": string(""), "c": string(""), "d": string("")]),
        ValidTOMLCase(
            "multi-line basic string drops the first newline", "a = \"\"\"\nRoses are red\nViolets are blue\"\"\"",
            ["a": string("Roses are red\nViolets are blue")]),
        ValidTOMLCase(
            "line-ending backslash trims whitespace and newlines",
            "str1 = \"The quick brown fox jumps over the lazy dog.\"\n"
                + "str2 = \"\"\"\nThe quick brown \\\n\n\n  fox jumps over \\\n    the lazy dog.\"\"\"\n"
                + "str3 = \"\"\"\\\n       The quick brown \\\n       fox jumps over \\\n       the lazy dog.\\\n       \"\"\"\n",
            [
                "str1": string("The quick brown fox jumps over the lazy dog."),
                "str2": string("The quick brown fox jumps over the lazy dog."),
                "str3": string("The quick brown fox jumps over the lazy dog."),
            ]),
        ValidTOMLCase(
            "line-ending backslash with spaces after it", "a = \"\"\"x \\  \t\n   y\"\"\"", ["a": string("x y")]),
        ValidTOMLCase(
            "quotes inside multi-line basic strings",
            #"""
            str4 = """Here are two quotation marks: "". Simple enough."""
            str5 = """Here are three quotation marks: ""\"."""
            str6 = """Here are fifteen quotation marks: ""\"""\"""\"""\"""\"."""
            str7 = """"This," she said, "is just a pointless statement.""""
            str8 = """""two"""""
            """#,
            [
                "str4": string(#"Here are two quotation marks: "". Simple enough."#),
                "str5": string(#"Here are three quotation marks: """."#),
                "str6": string("Here are fifteen quotation marks: " + String(repeating: "\"", count: 15) + "."),
                "str7": string(#""This," she said, "is just a pointless statement.""#),
                "str8": string(#"""two"""#),
            ]),
        ValidTOMLCase(
            "multi-line literal strings",
            #"""
            regex2 = '''I [dw]on't need \d{2} apples'''
            lines  = '''
            The first newline is
            trimmed in raw strings.
               All other whitespace
               is preserved.
            '''
            quot15 = '''Here are fifteen quotation marks: """""""""""""""'''
            apos15 = "Here are fifteen apostrophes: '''''''''''''''"
            str = ''''That,' she said, 'is still pointless.''''
            """#,
            [
                "regex2": string(#"I [dw]on't need \d{2} apples"#),
                "lines": string(
                    "The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n"),
                "quot15": string("Here are fifteen quotation marks: " + String(repeating: "\"", count: 15)),
                "apos15": string("Here are fifteen apostrophes: '''''''''''''''"),
                "str": string("'That,' she said, 'is still pointless.'"),
            ]),
        ValidTOMLCase(
            "multi-line strings return CRLF as LF", "a = \"\"\"\r\nx\r\ny\"\"\"\r\nb = '''\r\np\r\nq'''\r\n",
            ["a": string("x\ny"), "b": string("p\nq")]),
        ValidTOMLCase(
            "escapes inside a multi-line basic string", "a = \"\"\"tab\\there\\u00E9\\\"\"\"\"\"",
            ["a": string("tab\there\u{E9}\"\"")]),
        ValidTOMLCase(
            "a backslash escape of a backslash at the end of a line is not a line-ending backslash",
            "a = \"\"\"x\\\\\ny\"\"\"", ["a": string("x\\\ny")]),
        ValidTOMLCase(
            "long string with every kind of byte", "a = \"" + String(repeating: "abc☃ \t~!", count: 40) + "\"",
            ["a": string(String(repeating: "abc☃ \t~!", count: 40))]),
    ]

    static let numbers: [ValidTOMLCase] = [
        ValidTOMLCase(
            "decimal integers",
            "int1 = +99\nint2 = 42\nint3 = 0\nint4 = -17\nint5 = 1_000\nint6 = 5_349_221\nint7 = 53_49_221\n"
                + "int8 = 1_2_3_4_5\nzero1 = +0\nzero2 = -0\n",
            [
                "int1": integer(99), "int2": integer(42), "int3": integer(0), "int4": integer(-17),
                "int5": integer(1000),
                "int6": integer(5_349_221), "int7": integer(5_349_221), "int8": integer(12345), "zero1": integer(0),
                "zero2": integer(0),
            ]),
        ValidTOMLCase(
            "the 64-bit limits", "max = 9223372036854775807\nmin = -9223372036854775808\n",
            ["max": integer(Int.max), "min": integer(Int.min)]),
        ValidTOMLCase(
            "hexadecimal, octal and binary integers",
            "hex1 = 0xDEADBEEF\nhex2 = 0xdeadbeef\nhex3 = 0xdead_beef\noct1 = 0o01234567\noct2 = 0o755\n"
                + "bin1 = 0b11010110\nhex0 = 0x0000\nhexmax = 0x7FFFFFFFFFFFFFFF\nbin_us = 0b1_0\n",
            [
                "hex1": integer(0xDEAD_BEEF), "hex2": integer(0xDEAD_BEEF), "hex3": integer(0xDEAD_BEEF),
                "oct1": integer(0o01234567), "oct2": integer(0o755), "bin1": integer(0b11010110), "hex0": integer(0),
                "hexmax": integer(Int.max), "bin_us": integer(2),
            ]),
        ValidTOMLCase(
            "floats",
            "flt1 = +1.0\nflt2 = 3.1415\nflt3 = -0.01\nflt4 = 5e+22\nflt5 = 1e06\nflt6 = -2E-2\nflt7 = 6.626e-34\n"
                + "flt8 = 224_617.445_991_228\nflt9 = 0.0\nflt10 = 3e01\nflt11 = 0e00\nflt12 = 1_0.5e1_0\n",
            [
                "flt1": .float(1.0), "flt2": .float(3.1415), "flt3": .float(-0.01), "flt4": .float(5e+22),
                "flt5": .float(1e06), "flt6": .float(-2E-2), "flt7": .float(6.626e-34),
                "flt8": .float(224_617.445_991_228), "flt9": .float(0.0), "flt10": .float(30), "flt11": .float(0),
                "flt12": .float(10.5e10),
            ]),
        ValidTOMLCase(
            "infinities", "a = inf\nb = +inf\nc = -inf\n",
            ["a": .float(.infinity), "b": .float(.infinity), "c": .float(-.infinity)]),
        ValidTOMLCase("booleans", "a = true\nb = false\n", ["a": .boolean(true), "b": .boolean(false)]),
    ]

    static let datesAndTimes: [ValidTOMLCase] = [
        ValidTOMLCase(
            "offset date-times",
            "odt1 = 1979-05-27T07:32:00Z\nodt2 = 1979-05-27T00:32:00-07:00\nodt3 = 1979-05-27T00:32:00.999999-07:00\n"
                + "odt4 = 1979-05-27 07:32:00Z\nodt5 = 1979-05-27t07:32:00z\nodt6 = 2000-01-01T00:00:00+23:59\n",
            [
                "odt1": .offsetDateTime("1979-05-27T07:32:00Z"), "odt2": .offsetDateTime("1979-05-27T00:32:00-07:00"),
                "odt3": .offsetDateTime("1979-05-27T00:32:00.999999-07:00"),
                "odt4": .offsetDateTime("1979-05-27 07:32:00Z"), "odt5": .offsetDateTime("1979-05-27t07:32:00z"),
                "odt6": .offsetDateTime("2000-01-01T00:00:00+23:59"),
            ]),
        ValidTOMLCase(
            "local date-times, dates and times",
            "ldt1 = 1979-05-27T07:32:00\nldt2 = 1979-05-27 00:32:00.999999\nld1 = 1979-05-27\nlt1 = 07:32:00\n"
                + "lt2 = 00:32:00.999999\n",
            [
                "ldt1": .localDateTime("1979-05-27T07:32:00"), "ldt2": .localDateTime("1979-05-27 00:32:00.999999"),
                "ld1": .localDate("1979-05-27"), "lt1": .localTime("07:32:00"), "lt2": .localTime("00:32:00.999999"),
            ]),
        ValidTOMLCase(
            "calendar edges",
            "leap400 = 2000-02-29\nleap4 = 2024-02-29\ndec = 1999-12-31\napr = 2021-04-30\nzero = 0000-01-01\n",
            [
                "leap400": .localDate("2000-02-29"), "leap4": .localDate("2024-02-29"), "dec": .localDate("1999-12-31"),
                "apr": .localDate("2021-04-30"), "zero": .localDate("0000-01-01"),
            ]),
        ValidTOMLCase(
            "leap second and last minute", "a = 1990-12-31T23:59:60Z\nb = 23:59:59.5\n",
            ["a": .offsetDateTime("1990-12-31T23:59:60Z"), "b": .localTime("23:59:59.5")]),
        ValidTOMLCase(
            "a date followed by a comment", "a = 1979-05-27 # birthday\nb = [1979-05-27, 07:32:00]\n",
            ["a": .localDate("1979-05-27"), "b": .array([.localDate("1979-05-27"), .localTime("07:32:00")])]),
    ]

    static let arrays: [ValidTOMLCase] = [
        ValidTOMLCase(
            "arrays of every shape",
            #"""
            integers = [ 1, 2, 3 ]
            colors = [ "red", "yellow", "green" ]
            nested_arrays_of_ints = [ [ 1, 2 ], [3, 4, 5] ]
            nested_mixed_array = [ [ 1, 2 ], ["a", "b", "c"] ]
            string_array = [ "all", 'strings', """are the same""", '''type''' ]
            numbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]
            contributors = [
              "Foo Bar <foo@example.com>",
              { name = "Baz Qux", email = "bazqux@example.com", url = "https://example.com/bazqux" }
            ]
            """#,
            [
                "integers": .array([integer(1), integer(2), integer(3)]),
                "colors": .array([string("red"), string("yellow"), string("green")]),
                "nested_arrays_of_ints": .array([
                    .array([integer(1), integer(2)]), .array([integer(3), integer(4), integer(5)]),
                ]),
                "nested_mixed_array": .array([
                    .array([integer(1), integer(2)]), .array([string("a"), string("b"), string("c")]),
                ]),
                "string_array": .array([string("all"), string("strings"), string("are the same"), string("type")]),
                "numbers": .array([.float(0.1), .float(0.2), .float(0.5), integer(1), integer(2), integer(5)]),
                "contributors": .array([
                    string("Foo Bar <foo@example.com>"),
                    table([
                        "name": string("Baz Qux"), "email": string("bazqux@example.com"),
                        "url": string("https://example.com/bazqux"),
                    ]),
                ]),
            ]),
        ValidTOMLCase(
            "newlines, comments and a trailing comma in an array",
            "a = [\n  1, # one\n\n  2 , # two\r\n  # nothing\n]\nb = [\n  1,\n  2, # trailing comma\n]\n",
            ["a": .array([integer(1), integer(2)]), "b": .array([integer(1), integer(2)])]),
        ValidTOMLCase(
            "empty arrays", "a = []\nb = [ ]\nc = [[]]\nd = [\n]\ne = [[],[]]\n",
            [
                "a": .array([]), "b": .array([]), "c": .array([.array([])]), "d": .array([]),
                "e": .array([.array([]), .array([])]),
            ]),
        ValidTOMLCase(
            "array of inline tables",
            "points = [ { x = 1, y = 2, z = 3 },\n           { x = 7, y = 8, z = 9 } ]\n",
            [
                "points": .array([
                    table(["x": integer(1), "y": integer(2), "z": integer(3)]),
                    table(["x": integer(7), "y": integer(8), "z": integer(9)]),
                ])
            ]),
    ]

    static let inlineTables: [ValidTOMLCase] = [
        ValidTOMLCase(
            "inline tables",
            "name = { first = \"Tom\", last = \"Preston-Werner\" }\npoint = { x = 1, y = 2 }\n"
                + "animal = { type.name = \"pug\" }\nempty = {}\nspaced = {  }\n",
            [
                "name": table(["first": string("Tom"), "last": string("Preston-Werner")]),
                "point": table(["x": integer(1), "y": integer(2)]),
                "animal": table(["type": table(["name": string("pug")])]), "empty": table([:]), "spaced": table([:]),
            ]),
        ValidTOMLCase(
            "nested inline tables with dotted keys", "a = { b = { c = {} }, d.e = 1, d.f = 2 }\n",
            ["a": table(["b": table(["c": table([:])]), "d": table(["e": integer(1), "f": integer(2)])])]),
        ValidTOMLCase(
            "an array inside an inline table may span lines", "a = { b = [\n 1,\n 2 # two\n] }\n",
            ["a": table(["b": .array([integer(1), integer(2)])])]),
        ValidTOMLCase(
            "inline table as a dotted key's value", "a.b = { c = 1 }\n", ["a": table(["b": table(["c": integer(1)])])]),
    ]

    static let tables: [ValidTOMLCase] = [
        ValidTOMLCase(
            "tables",
            "[table-1]\nkey1 = \"some string\"\nkey2 = 123\n\n[table-2]\nkey1 = \"another string\"\nkey2 = 456\n",
            [
                "table-1": table(["key1": string("some string"), "key2": integer(123)]),
                "table-2": table(["key1": string("another string"), "key2": integer(456)]),
            ]),
        ValidTOMLCase(
            "quoted header parts", "[dog.\"tater.man\"]\ntype.name = \"pug\"\n",
            ["dog": table(["tater.man": table(["type": table(["name": string("pug")])])])]),
        ValidTOMLCase(
            "whitespace in headers", "[a.b.c]\n[ d.e.f ]\n[ g .  h  . i ]\n[ j . \"ʞ\" . 'l' ]\n[[ m . n ]]\n",
            [
                "a": table(["b": table(["c": table([:])])]), "d": table(["e": table(["f": table([:])])]),
                "g": table(["h": table(["i": table([:])])]), "j": table(["ʞ": table(["l": table([:])])]),
                "m": table(["n": .array([table([:])])]),
            ]),
        ValidTOMLCase(
            "a super-table after its sub-table", "[x.y.z.w]\na = 1\n[x]\nb = 2\n",
            ["x": table(["y": table(["z": table(["w": table(["a": integer(1)])])]), "b": integer(2)])]),
        ValidTOMLCase(
            "sub-table after its table", "[a]\nx = 1\n[a.b]\ny = 2\n[a.c]\n",
            ["a": table(["x": integer(1), "b": table(["y": integer(2)]), "c": table([:])])]),
        ValidTOMLCase(
            "a header may add a sub-table inside a table made by dotted keys",
            "[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n\n[fruit.apple.texture]\nsmooth = true\n",
            [
                "fruit": table([
                    "apple": table([
                        "color": string("red"), "taste": table(["sweet": .boolean(true)]),
                        "texture": table(["smooth": .boolean(true)]),
                    ])
                ])
            ]),
        ValidTOMLCase(
            "root dotted table extended by a deeper header", "a.b.c = 1\n[a.b.d]\ne = 2\n",
            ["a": table(["b": table(["c": integer(1), "d": table(["e": integer(2)])])])]),
        ValidTOMLCase(
            "tables out of order", "[fruit.apple]\n[animal]\n[fruit.orange]\n",
            ["fruit": table(["apple": table([:]), "orange": table([:])]), "animal": table([:])]),
        ValidTOMLCase(
            "root keys then empty tables", "title = 'x'\n[a]\n[b]\n",
            ["title": string("x"), "a": table([:]), "b": table([:])]),
        ValidTOMLCase(
            "comments after headers", "[a] # table\n[[b]] # array\n[ c ]#tight\n",
            ["a": table([:]), "b": .array([table([:])]), "c": table([:])]),
        ValidTOMLCase(
            "arrays of tables",
            #"""
            [[products]]
            name = "Hammer"
            sku = 738594937

            [[products]]  # empty table within the array

            [[products]]
            name = "Nail"
            sku = 284758393

            color = "gray"
            """#,
            [
                "products": .array([
                    table(["name": string("Hammer"), "sku": integer(738_594_937)]), table([:]),
                    table(["name": string("Nail"), "sku": integer(284_758_393), "color": string("gray")]),
                ])
            ]),
        ValidTOMLCase(
            "arrays of tables with sub-tables and nested arrays",
            #"""
            [[fruits]]
            name = "apple"

            [fruits.physical]  # subtable
            color = "red"
            shape = "round"

            [[fruits.varieties]]  # nested array of tables
            name = "red delicious"

            [[fruits.varieties]]
            name = "granny smith"


            [[fruits]]
            name = "banana"

            [[fruits.varieties]]
            name = "plantain"
            """#,
            [
                "fruits": .array([
                    table([
                        "name": string("apple"),
                        "physical": table(["color": string("red"), "shape": string("round")]),
                        "varieties": .array([
                            table(["name": string("red delicious")]), table(["name": string("granny smith")]),
                        ]),
                    ]),
                    table(["name": string("banana"), "varieties": .array([table(["name": string("plantain")])])]),
                ])
            ]),
        ValidTOMLCase(
            "array of tables below a dotted header path", "[[a.b]]\nx = 1\n[[a.b]]\nx = 2\n[a.c]\n",
            ["a": table(["b": .array([table(["x": integer(1)]), table(["x": integer(2)])]), "c": table([:])])]),
        ValidTOMLCase(
            "dotted keys in every spelling, in tables and arrays of tables",
            "name.first = \"Arthur\"\n\"name\".'last' = \"Dent\"\n\nmany.dots.here.dot.dot.dot = 42\n\n"
                + "count.a       = 1\ncount . b     = 2\n\"count\".\"c\"   = 3\n\"count\" . \"d\" = 4\n'count'.'e'   = 5\n"
                + "'count' . 'f' = 6\n\"count\".'g'   = 7\n\"count\" . 'h' = 8\ncount.'i'     = 9\ncount \t.\t 'j'\t   = 10\n"
                + "\"count\".k     = 11\n\"count\" . l   = 12\n\n[tbl]\na.b.c = 42.666\n\n[a.few.dots]\npolka.dot = \"again?\"\n"
                + "polka.dance-with = \"Dot\"\n\n[[arr]]\na.b.c=1\na.b.d=2\n\n[[arr]]\na.b.c=3\na.b.d=4\n",
            [
                "name": table(["first": string("Arthur"), "last": string("Dent")]),
                "many": table(["dots": table(["here": table(["dot": table(["dot": table(["dot": integer(42)])])])])]),
                "count": table(
                    TOMLTable(
                        ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"].enumerated().map {
                            (key: $0.element, value: integer($0.offset + 1))
                        })),
                "tbl": table(["a": table(["b": table(["c": .float(42.666)])])]),
                "a": table([
                    "few": table([
                        "dots": table(["polka": table(["dot": string("again?"), "dance-with": string("Dot")])])
                    ])
                ]),
                "arr": .array([
                    table(["a": table(["b": table(["c": integer(1), "d": integer(2)])])]),
                    table(["a": table(["b": table(["c": integer(3), "d": integer(4)])])]),
                ]),
            ]),
        ValidTOMLCase(
            "dotted keys inside inline tables everywhere",
            "inline = {a.b = 42}\nmany.dots = {a.b.c = 1, a.b.d = 2}\nd = {   'a'   .   \"b\"  =  1   }\n"
                + "[tbl]\na.b.c = {d.e=1}\n[tbl.x]\na.b.c = {d.e=1}\n[[arr]]\nt = {a.b=1}\n[[arr]]\nt = {a.b=2}\n",
            [
                "inline": table(["a": table(["b": integer(42)])]),
                "many": table(["dots": table(["a": table(["b": table(["c": integer(1), "d": integer(2)])])])]),
                "d": table(["a": table(["b": integer(1)])]),
                "tbl": table([
                    "a": table(["b": table(["c": table(["d": table(["e": integer(1)])])])]),
                    "x": table(["a": table(["b": table(["c": table(["d": table(["e": integer(1)])])])])]),
                ]),
                "arr": .array([
                    table(["t": table(["a": table(["b": integer(1)])])]),
                    table(["t": table(["a": table(["b": integer(2)])])]),
                ]),
            ]),
        ValidTOMLCase(
            "empty table names", "['']\nx = 1\n\n[\"\".a]\nx = 2\n\n[a.'']\nx = 3\n",
            ["": table(["x": integer(1), "a": table(["x": integer(2)])]), "a": table(["": table(["x": integer(3)])])]),
        ValidTOMLCase(
            "an array of tables inside a table made by dotted keys",
            "[fruit]\napple.color = \"red\"\n\n[[fruit.apple.seeds]]\nsize = 2\n",
            [
                "fruit": table([
                    "apple": table(["color": string("red"), "seeds": .array([table(["size": integer(2)])])])
                ])
            ]),
        ValidTOMLCase(
            "dotted keys may define a table that a header only implied",
            "[a.b.c]\n[a]\nb.d = 1\n[a.b.e]\n",
            ["a": table(["b": table(["c": table([:]), "d": integer(1), "e": table([:])])])]),
        ValidTOMLCase(
            "dotted keys in a later array element reach a table only implied in an earlier one",
            "[[x]]\n[x.y.z]\n[[x]]\ny.w = 1\n",
            ["x": .array([table(["y": table(["z": table([:])])]), table(["y": table(["w": integer(1)])])])]),
        ValidTOMLCase(
            "an implicit table may be defined once later, even after an array of tables below it",
            "[[a.b]]\n[a]\nc = 1\n", ["a": table(["b": .array([table([:])]), "c": integer(1)])]),
    ]

    @Test(arguments: structure + keys + strings)
    func parsesStructureKeysAndStrings(_ testCase: ValidTOMLCase) throws {
        let parsed = try TOMLParser.parse(testCase.text)
        #expect(parsed == testCase.expected)
        #expect(parsed.keys == testCase.expected.keys)
    }

    @Test(arguments: numbers + datesAndTimes + arrays + inlineTables + tables)
    func parsesValuesAndTables(_ testCase: ValidTOMLCase) throws {
        let parsed = try TOMLParser.parse(testCase.text)
        #expect(parsed == testCase.expected)
        #expect(parsed.keys == testCase.expected.keys)
    }

    @Test func parsesNaNWithItsSign() throws {
        let parsed = try TOMLParser.parse("a = nan\nb = +nan\nc = -nan\nd = -0.0\n")
        for key in ["a", "b", "c"] {
            guard case .float(let value)? = parsed[key] else {
                Issue.record("\(key) is not a float")
                continue
            }
            #expect(value.isNaN)
            #expect(value.sign == (key == "c" ? .minus : .plus))
        }
        guard case .float(let zero)? = parsed["d"] else {
            Issue.record("d is not a float")
            return
        }
        #expect(zero == 0 && zero.sign == .minus)
    }

    @Test func keysAreOrderedAndLookedUpExactly() throws {
        let parsed = try TOMLParser.parse("b = 1\na = 2\n\"\u{E9}\" = 3\n[c]\n")
        #expect(parsed.keys == ["b", "a", "\u{E9}", "c"])
        #expect(parsed.count == 4)
        #expect(parsed["a"] == .integer(2))
        #expect(parsed["\u{E9}"] == .integer(3))
        // The decomposed spelling is another key, although Swift's `==` calls the strings equal.
        #expect(parsed["e\u{301}"] == nil)
        #expect(parsed["missing"] == nil)
    }

    @Test func largeTablesUseTheirIndex() throws {
        let count = 300
        let text = (0..<count).map { "k\($0) = \($0)" }.joined(separator: "\n")
        let parsed = try TOMLParser.parse(text)
        #expect(parsed.count == count)
        #expect(parsed.keys == (0..<count).map { "k\($0)" })
        for index in [0, 15, 16, 17, 150, count - 1] {
            #expect(parsed["k\(index)"] == .integer(index))
        }
        #expect(parsed["k\(count)"] == nil)
        #expect(parsed == TOMLTable((0..<count).map { (key: "k\($0)", value: .integer($0)) }))

        let duplicate = text + "\nk200 = 0\n"
        #expect(throws: TOMLParseError.self) { try TOMLParser.parse(duplicate) }
        let decomposed = try TOMLParser.parse(text + "\n\"\u{E9}\" = 1\n\"e\u{301}\" = 2\n")
        #expect(decomposed["\u{E9}"] == .integer(1))
        #expect(decomposed["e\u{301}"] == .integer(2))
    }

    @Test func manyArrayOfTableElements() throws {
        let count = 5_000
        let text = String(repeating: "[[item]]\nn = 1\n", count: count)
        let parsed = try TOMLParser.parse(text)
        guard case .array(let items)? = parsed["item"] else {
            Issue.record("item is not an array")
            return
        }
        #expect(items.count == count)
        #expect(items.allSatisfy { $0 == .table(["n": .integer(1)]) })
    }

    // MARK: Invalid documents

    static let invalidStructure: [InvalidTOMLCase] = [
        InvalidTOMLCase("bare carriage return ending a line", "a = 1\r"),
        InvalidTOMLCase("bare carriage return between lines", "a = 1\rb = 2\n"),
        InvalidTOMLCase("bare carriage return in a comment", "# note\rmore\n"),
        InvalidTOMLCase("bare carriage return alone", "\r"),
        InvalidTOMLCase("DEL in a comment", "# \u{7F}\n"),
        InvalidTOMLCase("control character in a comment", "a = 1 # \u{1}\n"),
        InvalidTOMLCase("NUL in a comment", "# \u{0}\n"),
        InvalidTOMLCase("form feed as whitespace", "a =\u{C}1\n"),
        InvalidTOMLCase("vertical tab as whitespace", "a\u{B}= 1\n"),
        InvalidTOMLCase("two pairs on one line", "a = 1 b = 2\n"),
        InvalidTOMLCase("key without a value", "a =\n"),
        InvalidTOMLCase("key without a value before a comment", "a = # nothing\n"),
        InvalidTOMLCase("key without '='", "a 1\n"),
        InvalidTOMLCase("key alone", "a\n"),
        InvalidTOMLCase("value without a key", "= 1\n"),
        InvalidTOMLCase("key ending in a dot", "a. = 1\n"),
        InvalidTOMLCase("key starting with a dot", ".a = 1\n"),
        InvalidTOMLCase("two dots in a key", "a..b = 1\n"),
        InvalidTOMLCase("character outside bare keys", "a$b = 1\n"),
        InvalidTOMLCase("non-ASCII bare key", "ключ = 1\n"),
        InvalidTOMLCase("space inside a bare key", "a b = 1\n"),
        InvalidTOMLCase("multi-line string as a key", "\"\"\"a\"\"\" = 1\n"),
        InvalidTOMLCase("multi-line literal as a key", "'''a''' = 1\n"),
        InvalidTOMLCase("newline between key and '='", "a\n= 1\n"),
        InvalidTOMLCase("newline between '=' and value", "a =\n1\n"),
        InvalidTOMLCase("unquoted string value", "a = hello\n"),
        InvalidTOMLCase("unterminated quoted key", "\"a = 1\n"),
    ]

    static let invalidDefinitions: [InvalidTOMLCase] = [
        InvalidTOMLCase("duplicate key", "a = 1\na = 2\n"),
        InvalidTOMLCase("duplicate key spelled quoted", "a = 1\n\"a\" = 2\n"),
        InvalidTOMLCase("duplicate key spelled literal", "'a' = 1\na = 2\n"),
        InvalidTOMLCase("duplicate dotted key", "a.b = 1\na.b = 2\n"),
        InvalidTOMLCase("dotted key through a value", "a = 1\na.b = 2\n"),
        InvalidTOMLCase("value over a dotted table", "a.b = 1\na = 2\n"),
        InvalidTOMLCase("duplicate empty keys", "\"\" = 1\n'' = 2\n"),
        InvalidTOMLCase("table defined twice", "[a]\n[a]\n"),
        InvalidTOMLCase("table defined twice around a sub-table", "[a]\nb = 1\n[a.c]\n[a]\n"),
        InvalidTOMLCase("header over a dotted-key table at the root", "a.b = 1\n[a]\n"),
        InvalidTOMLCase(
            "header over a dotted-key table",
            "[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple]\n"),
        InvalidTOMLCase(
            "header over a deeper dotted-key table",
            "[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple.taste]\n"),
        InvalidTOMLCase("dotted keys into a table defined by a header", "[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n"),
        InvalidTOMLCase(
            "dotted keys into a deeper table defined by a header", "[a.b.c.d]\nz = 9\n[a]\nb.c.d.k.t = 1\n"),
        InvalidTOMLCase("header over an implicit table that dotted keys defined", "[a.b.c]\n[a]\nb.d = 1\n[a.b]\n"),
        InvalidTOMLCase(
            "header over a deeper implicit table that dotted keys defined", "[a.b.c.d]\n[a]\nb.c.x = 1\n[a.b.c]\n"),
        InvalidTOMLCase("table defined twice with other tables between", "[a]\nx = 1\n[b]\n[a.c]\n[a]\n"),
        InvalidTOMLCase("header over a value", "a = 1\n[a]\n"),
        InvalidTOMLCase("header through a value", "a = 1\n[a.b]\n"),
        InvalidTOMLCase("header over an inline table", "a = {}\n[a]\n"),
        InvalidTOMLCase("header into an inline table", "a = { b = 1 }\n[a.c]\n"),
        InvalidTOMLCase("header into a nested inline table", "a = { b = {} }\n[a.b]\n"),
        InvalidTOMLCase("dotted keys into an inline table", "a = { b = 1 }\na.c = 2\n"),
        InvalidTOMLCase("inline table extended within itself", "a = { b = { c = 1 }, b.d = 2 }\n"),
        InvalidTOMLCase(
            "nested inline table extended by a sibling key",
            "tbl = { fruit = { apple.color = \"red\", apple.taste.sweet = true }, fruit.apple.texture = { smooth = true } }\n"
        ),
        InvalidTOMLCase("duplicate key inside an inline table", "a = { b = 1, b = 2 }\n"),
        InvalidTOMLCase("array of tables over a static array", "a = []\n[[a]]\n"),
        InvalidTOMLCase("array of tables over a static array of tables", "a = [{ b = 1 }]\n[[a]]\n"),
        InvalidTOMLCase("header into a static array", "a = [{ b = 1 }]\n[a.c]\n"),
        InvalidTOMLCase("array of tables over a table", "[a]\n[[a]]\n"),
        InvalidTOMLCase("table over an array of tables", "[[a]]\n[a]\n"),
        InvalidTOMLCase("array of tables over an implicit table", "[fruit.physical]\ncolor = 'red'\n[[fruit]]\n"),
        InvalidTOMLCase(
            "table over a nested array of tables",
            "[[fruits]]\nname = 'apple'\n[[fruits.varieties]]\nname = 'red delicious'\n[fruits.varieties]\n"),
        InvalidTOMLCase(
            "array of tables over a sub-table",
            "[[fruits]]\n[fruits.physical]\ncolor = 'red'\n[[fruits.physical]]\ncolor = 'green'\n"),
        InvalidTOMLCase("dotted keys into an array of tables", "[[a.b]]\n[a]\nb.y = 2\n"),
        InvalidTOMLCase("key over an array of tables", "[[a.b]]\n[a]\nb = 2\n"),
        InvalidTOMLCase("header over a key of its parent table", "[a]\nb = 1\n[a.b]\n"),
        InvalidTOMLCase("key over a table defined by a header", "[a.b]\n[a]\nb = 1\n"),
        InvalidTOMLCase("array of tables after its implied parent table", "[[albums.songs]]\nname = 'x'\n[[albums]]\n"),
        InvalidTOMLCase("array of tables over a dotted-key table", "[fruit]\napple.color = \"red\"\n[[fruit.apple]]\n"),
        InvalidTOMLCase(
            "dotted key through a value inside an inline table", "tbl = { a.b = \"a_b\", a.b.c = \"a_b_c\" }\n"),
        InvalidTOMLCase("inline table over a dotted-key table", "a.b = 0\na = {}\n"),
        InvalidTOMLCase("empty part in a header", "[naughty..naughty]\n"),
    ]

    static let invalidHeaders: [InvalidTOMLCase] = [
        InvalidTOMLCase("space between array-of-tables brackets", "[ [a]]\n"),
        InvalidTOMLCase("space between closing brackets", "[[a] ]\n"),
        InvalidTOMLCase("unterminated header", "[a\n"),
        InvalidTOMLCase("unterminated array-of-tables header", "[[a]\n"),
        InvalidTOMLCase("empty header", "[]\n"),
        InvalidTOMLCase("empty array-of-tables header", "[[]]\n"),
        InvalidTOMLCase("header ending in a dot", "[a.]\n"),
        InvalidTOMLCase("header with a key/value after it", "[a] b = 1\n"),
        InvalidTOMLCase("newline inside a header", "[a\n.b]\n"),
        InvalidTOMLCase("extra closing bracket", "[a]]\n"),
        InvalidTOMLCase("header with a value", "[a = 1]\n"),
    ]

    static let invalidStrings: [InvalidTOMLCase] = [
        InvalidTOMLCase("invalid escape", #"a = "\q""#),
        InvalidTOMLCase("hex escape is not TOML", #"a = "\x41""#),
        InvalidTOMLCase("short unicode escape", #"a = "\u12""#),
        InvalidTOMLCase("short long unicode escape", #"a = "\U0001F60""#),
        InvalidTOMLCase("surrogate escape", #"a = "\uD800""#),
        InvalidTOMLCase("low surrogate escape", #"a = "\uDFFF""#),
        InvalidTOMLCase("escape beyond U+10FFFF", #"a = "\U00110000""#),
        InvalidTOMLCase("escaped space", #"a = "\ ""#),
        InvalidTOMLCase("line-ending backslash in a single-line string", "a = \"x\\\ny\"\n"),
        InvalidTOMLCase("backslash before spaces that do not end the line", "a = \"\"\"x\\ y\"\"\"\n"),
        InvalidTOMLCase("unterminated basic string", "a = \"abc"),
        InvalidTOMLCase("newline in a basic string", "a = \"ab\ncd\"\n"),
        InvalidTOMLCase("control character in a basic string", "a = \"a\u{1}b\"\n"),
        InvalidTOMLCase("DEL in a basic string", "a = \"a\u{7F}b\"\n"),
        InvalidTOMLCase("NUL in a basic string", "a = \"a\u{0}b\"\n"),
        InvalidTOMLCase("unterminated literal string", "a = 'abc\n"),
        InvalidTOMLCase("newline in a literal string", "a = 'ab\ncd'\n"),
        InvalidTOMLCase("control character in a literal string", "a = 'a\u{1F}b'\n"),
        InvalidTOMLCase("apostrophe inside a literal string", "a = 'it's'\n"),
        InvalidTOMLCase("unterminated multi-line basic string", "a = \"\"\"abc\n"),
        InvalidTOMLCase("unterminated multi-line literal string", "a = '''abc\n''"),
        InvalidTOMLCase("six quotes closing a multi-line basic string", "a = \"\"\"a\"\"\"\"\"\"\n"),
        InvalidTOMLCase("six apostrophes closing a multi-line literal string", "a = '''a''''''\n"),
        InvalidTOMLCase("control character in a multi-line string", "a = \"\"\"a\u{1}b\"\"\"\n"),
        InvalidTOMLCase("control character in a multi-line literal string", "a = '''a\u{7F}b'''\n"),
        InvalidTOMLCase("bare carriage return in a multi-line string", "a = \"\"\"a\rb\"\"\"\n"),
        InvalidTOMLCase("bare carriage return in a multi-line literal string", "a = '''a\rb'''\n"),
        InvalidTOMLCase("text after a string", "a = \"a\" \"b\"\n"),
        InvalidTOMLCase("invalid escape in a multi-line string", "a = \"\"\"\\q\"\"\"\n"),
        InvalidTOMLCase("invalid escape in a key", "\"\\q\" = 1\n"),
    ]

    static let invalidNumbers: [InvalidTOMLCase] = [
        InvalidTOMLCase("leading zero", "a = 01\n"),
        InvalidTOMLCase("double zero", "a = 00\n"),
        InvalidTOMLCase("zero with underscore", "a = 0_0\n"),
        InvalidTOMLCase("signed leading zero", "a = -01\n"),
        InvalidTOMLCase("plus leading zero with underscore", "a = +0_1\n"),
        InvalidTOMLCase("double plus", "a = ++99\n"),
        InvalidTOMLCase("double minus", "a = --99\n"),
        InvalidTOMLCase("sign alone", "a = +\n"),
        InvalidTOMLCase("negative hexadecimal", "a = -0xff\n"),
        InvalidTOMLCase("positive binary", "a = +0b1\n"),
        InvalidTOMLCase("negative octal", "a = -0o7\n"),
        InvalidTOMLCase("trailing underscore", "a = 123_\n"),
        InvalidTOMLCase("leading underscore", "a = _123\n"),
        InvalidTOMLCase("double underscore", "a = 1__23\n"),
        InvalidTOMLCase("underscore after hex prefix", "a = 0x_1\n"),
        InvalidTOMLCase("trailing underscore in octal", "a = 0o1_\n"),
        InvalidTOMLCase("bad hex digit", "a = 0xaafz\n"),
        InvalidTOMLCase("bad octal digit", "a = 0o778\n"),
        InvalidTOMLCase("bad binary digit", "a = 0b0012\n"),
        InvalidTOMLCase("capital hex prefix", "a = 0X1\n"),
        InvalidTOMLCase("capital octal prefix", "a = 0O7\n"),
        InvalidTOMLCase("prefix without digits", "a = 0x\n"),
        InvalidTOMLCase("integer just over the maximum", "a = 9223372036854775808\n"),
        InvalidTOMLCase("integer just under the minimum", "a = -9223372036854775809\n"),
        InvalidTOMLCase("huge integer", "a = 99999999999999999999\n"),
        InvalidTOMLCase("hexadecimal over the maximum", "a = 0x8000000000000000\n"),
        InvalidTOMLCase("binary over the maximum", "a = 0b" + String(repeating: "1", count: 64) + "\n"),
        InvalidTOMLCase("space inside a number", "a = 1 2\n"),
        InvalidTOMLCase("float without fraction digits", "a = 1.\n"),
        InvalidTOMLCase("float without integer digits", "a = .1\n"),
        InvalidTOMLCase("exponent without digits", "a = 1e\n"),
        InvalidTOMLCase("exponent sign without digits", "a = 1e+\n"),
        InvalidTOMLCase("point before exponent", "a = 1.e5\n"),
        InvalidTOMLCase("underscore after exponent", "a = 1e_2\n"),
        InvalidTOMLCase("underscore before exponent", "a = 1_e2\n"),
        InvalidTOMLCase("underscore after point", "a = 1._2\n"),
        InvalidTOMLCase("trailing underscore in fraction", "a = 1.2_\n"),
        InvalidTOMLCase("underscore before point", "a = 1_.2\n"),
        InvalidTOMLCase("float with leading zero", "a = 01.5\n"),
        InvalidTOMLCase("two points", "a = 1.2.3\n"),
        InvalidTOMLCase("fractional exponent", "a = 1e5.1\n"),
        InvalidTOMLCase("double sign in exponent", "a = 1e--1\n"),
        InvalidTOMLCase("sign before sign", "a = +-1.5\n"),
        InvalidTOMLCase("float too large", "a = 1e400\n"),
        InvalidTOMLCase("capitalised infinity", "a = Inf\n"),
        InvalidTOMLCase("capitalised nan", "a = NaN\n"),
        InvalidTOMLCase("infinity spelled out", "a = infinity\n"),
        InvalidTOMLCase("infinity with a fraction", "a = inf.0\n"),
        InvalidTOMLCase("capitalised true", "a = True\n"),
        InvalidTOMLCase("truncated true", "a = tru\n"),
        InvalidTOMLCase("true with a suffix", "a = truex\n"),
        InvalidTOMLCase("capitalised false", "a = FALSE\n"),
    ]

    static let invalidDates: [InvalidTOMLCase] = [
        InvalidTOMLCase("month zero", "a = 2007-00-01T00:00:00-00:00\n"),
        InvalidTOMLCase("month thirteen", "a = 2006-13-01T00:00:00-00:00\n"),
        InvalidTOMLCase("day zero", "a = 2006-01-00\n"),
        InvalidTOMLCase("day thirty-two", "a = 2006-01-32\n"),
        InvalidTOMLCase("February 29 in a common year", "a = 2021-02-29\n"),
        InvalidTOMLCase("February 29 in a century year", "a = 1900-02-29\n"),
        InvalidTOMLCase("February 30 in a leap year", "a = 2020-02-30\n"),
        InvalidTOMLCase("April 31", "a = 2021-04-31\n"),
        InvalidTOMLCase("hour 24", "a = 2006-01-01T24:00:00Z\n"),
        InvalidTOMLCase("minute 60", "a = 2006-01-01T00:60:00Z\n"),
        InvalidTOMLCase("second 61", "a = 2006-01-01T00:00:61Z\n"),
        InvalidTOMLCase("local time hour 25", "a = 25:00:00\n"),
        InvalidTOMLCase("time without seconds", "a = 07:32\n"),
        InvalidTOMLCase("date-time without seconds", "a = 1979-05-27T07:32Z\n"),
        InvalidTOMLCase("one-digit month", "a = 1979-5-27\n"),
        InvalidTOMLCase("one-digit hour", "a = 1979-05-27T7:32:00\n"),
        InvalidTOMLCase("separator without a time", "a = 1979-05-27T\n"),
        InvalidTOMLCase("space separator with a partial time", "a = 1979-05-27 07\n"),
        InvalidTOMLCase("fraction without digits", "a = 07:32:00.\n"),
        InvalidTOMLCase("offset without minutes", "a = 1979-05-27T07:32:00+05\n"),
        InvalidTOMLCase("offset without a colon", "a = 1979-05-27T07:32:00+0500\n"),
        InvalidTOMLCase("offset hour 24", "a = 1979-05-27T07:32:00+24:00\n"),
        InvalidTOMLCase("offset minute 60", "a = 1979-05-27T07:32:00-01:60\n"),
        InvalidTOMLCase("local time with an offset", "a = 07:32:00Z\n"),
        InvalidTOMLCase("five-digit year", "a = 01999-01-01\n"),
        InvalidTOMLCase("two spaces before the time", "a = 1979-05-27  07:32:00\n"),
        InvalidTOMLCase("text after a date", "a = 1979-05-27x\n"),
        InvalidTOMLCase("lower-case separator missing its time", "a = 1979-05-27t\n"),
        InvalidTOMLCase("trailing Z on a local date", "a = 1979-05-27Z\n"),
    ]

    static let invalidCompound: [InvalidTOMLCase] = [
        InvalidTOMLCase("array without commas", "a = [1 2]\n"),
        InvalidTOMLCase("array with only a comma", "a = [,]\n"),
        InvalidTOMLCase("array with two commas", "a = [1,,2]\n"),
        InvalidTOMLCase("array starting with a comma", "a = [,1]\n"),
        InvalidTOMLCase("unterminated array", "a = [1"),
        InvalidTOMLCase("unterminated array after a comma", "a = [1,\n"),
        InvalidTOMLCase("closing bracket without opening", "a = ]\n"),
        InvalidTOMLCase("extra closing bracket after an array", "a = [1]]\n"),
        InvalidTOMLCase("key/value inside an array", "a = [b = 1]\n"),
        InvalidTOMLCase("control character in a comment inside an array", "a = [ # \u{1}\n]\n"),
        InvalidTOMLCase("trailing comma in an inline table", "a = { b = 1, }\n"),
        InvalidTOMLCase("newline inside an inline table", "a = { b = 1,\nc = 2 }\n"),
        InvalidTOMLCase("newline before closing an inline table", "a = { b = 1\n}\n"),
        InvalidTOMLCase("newline right after opening an inline table", "a = {\n}\n"),
        InvalidTOMLCase("comment inside an inline table", "a = { b = 1 # no\n}\n"),
        InvalidTOMLCase("missing comma in an inline table", "a = { b = 1 c = 2 }\n"),
        InvalidTOMLCase("unterminated inline table", "a = { b = 1"),
        InvalidTOMLCase("inline table with only a comma", "a = {,}\n"),
        InvalidTOMLCase("inline table with two commas", "a = { b = 1,, c = 2 }\n"),
        InvalidTOMLCase("inline table key without a value", "a = { b }\n"),
        InvalidTOMLCase("inline table with a bare value", "a = { 1 }\n"),
    ]

    @Test(arguments: invalidStructure + invalidDefinitions + invalidHeaders)
    func rejectsInvalidStructure(_ testCase: InvalidTOMLCase) {
        #expect(throws: TOMLParseError.self) { try TOMLParser.parse(testCase.text) }
    }

    @Test(arguments: invalidStrings + invalidNumbers + invalidDates + invalidCompound)
    func rejectsInvalidValues(_ testCase: InvalidTOMLCase) {
        #expect(throws: TOMLParseError.self) { try TOMLParser.parse(testCase.text) }
    }

    @Test func invalidCaseCount() {
        let all =
            Self.invalidStructure + Self.invalidDefinitions + Self.invalidHeaders + Self.invalidStrings
            + Self.invalidNumbers + Self.invalidDates + Self.invalidCompound
        #expect(all.count >= 80)
        #expect(Set(all.map(\.name)).count == all.count, "case names must be unique")
    }

    static let located: [LocatedTOMLError] = [
        LocatedTOMLError("duplicate key", "id = 1\nid = 2\n", line: 2, column: 1, mentions: "duplicate key 'id'"),
        LocatedTOMLError(
            "duplicate dotted key", "a.b = 1\n  a . b = 2\n", line: 2, column: 7, mentions: "duplicate key 'a.b'"),
        LocatedTOMLError(
            "table defined twice", "[a]\nx = 1\n[a]\n", line: 3, column: 2, mentions: "table 'a' is defined twice"),
        LocatedTOMLError(
            "header over dotted keys", "[fruit]\napple.color = 'red'\n[fruit.apple]\n", line: 3, column: 8,
            mentions: "dotted keys"),
        LocatedTOMLError(
            "invalid escape", #"a = "ok\q""#, line: 1, column: 8, mentions: #"invalid escape '\q' in a string"#),
        LocatedTOMLError(
            "integer overflow", "n = 99999999999999999999\n", line: 1, column: 5,
            mentions: "integer 99999999999999999999 does not fit in 64 bits"),
        LocatedTOMLError(
            "nesting limit", "a = " + String(repeating: "[", count: 129), line: 1, column: 133,
            mentions: "nesting deeper than 128 levels"),
        LocatedTOMLError("bare carriage return", "a = 1\rb = 2", line: 1, column: 6, mentions: "carriage return"),
        LocatedTOMLError(
            "impossible month", "x = 1\n  y = 1979-13-01\n", line: 2, column: 7, mentions: "month 13 does not exist"),
        LocatedTOMLError(
            "trailing comma in an inline table", "a = {b = 1,}", line: 1, column: 12, mentions: "trailing comma"),
        LocatedTOMLError("missing comma in an array", "a = [1 2]", line: 1, column: 8, mentions: "expected ',' or ']'"),
        LocatedTOMLError(
            "column counts Unicode scalars", "name = 'é☃' b", line: 1, column: 13, mentions: "found 'b'"),
        LocatedTOMLError(
            "control character in a string", "# ok\n\ta = \"x\u{1}\"", line: 2, column: 8,
            mentions: "the control character U+0001"),
        LocatedTOMLError(
            "array of tables over a static array", "a = []\n[[a]]\n", line: 2, column: 3, mentions: "static array"),
        LocatedTOMLError(
            "table over an array of tables", "[[a]]\n[a]\n", line: 2, column: 2, mentions: "array of tables"),
        LocatedTOMLError("leading zero", "a = 01", line: 1, column: 5, mentions: "leading zeros"),
        LocatedTOMLError(
            "unterminated string points at its opening quote", "a = 1\nb = \"abc", line: 2, column: 5,
            mentions: "unterminated string"),
        LocatedTOMLError(
            "surrogate escape", #"a = "\uD834""#, line: 1, column: 6, mentions: "not a Unicode scalar value"),
        LocatedTOMLError("unquoted word", "a = hello", line: 1, column: 5, mentions: "strings must be quoted"),
        LocatedTOMLError(
            "CRLF lines are counted once", "a = 1\r\nb = 2\r\nb = 3\r\n", line: 3, column: 1,
            mentions: "duplicate key 'b'"
        ),
    ]

    @Test(arguments: located)
    func reportsWhereAndWhy(_ testCase: LocatedTOMLError) {
        do {
            let table = try TOMLParser.parse(testCase.text)
            Issue.record("parsed to \(table)")
        } catch {
            #expect(error.line == testCase.line)
            #expect(error.column == testCase.column)
            #expect(error.message.contains(testCase.mentions), "\(error.message)")
            #expect(error.description == "line \(error.line), column \(error.column): \(error.message)")
        }
    }

    // MARK: Limits

    @Test func nestingLimitOfArrays() throws {
        let deepest = "a = " + String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        var value = try #require(try TOMLParser.parse(deepest)["a"])
        var depth = 0
        while case .array(let elements) = value {
            depth += 1
            guard let first = elements.first else { break }
            value = first
        }
        #expect(depth == 128)

        let tooDeep = "a = " + String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        #expect(throws: TOMLParseError.self) { try TOMLParser.parse(tooDeep) }
    }

    @Test func nestingLimitOfInlineTables() throws {
        func nested(_ levels: Int) -> String {
            "a = " + String(repeating: "{ b = ", count: levels) + "1" + String(repeating: " }", count: levels)
        }
        var value = try #require(try TOMLParser.parse(nested(128))["a"])
        var depth = 0
        while case .table(let inner) = value, let next = inner["b"] {
            depth += 1
            value = next
        }
        #expect(depth == 128)
        #expect(value == .integer(1))
        #expect(throws: TOMLParseError.self) { try TOMLParser.parse(nested(129)) }

        // Arrays and inline tables count together.
        let mixed = "a = " + String(repeating: "[{ b = ", count: 65) + "1" + String(repeating: " }]", count: 65)
        #expect(throws: TOMLParseError.self) { try TOMLParser.parse(mixed) }
    }

    @Test func longRunsOfOpeningBracketsFailCleanly() {
        let run = String(repeating: "[", count: 64 * 1024)
        #expect(throws: TOMLParseError.self) { try TOMLParser.parse(run) }
        do {
            _ = try TOMLParser.parse("a = " + run)
            Issue.record("a 64 KiB run of '[' parsed")
        } catch {
            #expect(error.message.contains("nesting deeper than 128 levels"))
        }
        let braces = "a = " + String(repeating: "{b=", count: 20_000)
        #expect(throws: TOMLParseError.self) { try TOMLParser.parse(braces) }
    }

    @Test func deepTableHeader() throws {
        let parts = 5_000
        let path = (0..<parts).map { "k\($0)" }
        let text = "[" + path.joined(separator: ".") + "]\nvalue = 1\n[" + path.joined(separator: " . ") + ".more]\n"
        let parsed = try TOMLParser.parse(text)
        var current = parsed
        for name in path {
            #expect(current.count >= 1)
            guard case .table(let next)? = current[name] else {
                Issue.record("missing table \(name)")
                return
            }
            current = next
        }
        #expect(current.keys == ["value", "more"])
        #expect(current["value"] == .integer(1))

        let redefined = "[" + path.joined(separator: ".") + "]\n[" + path.joined(separator: ".") + "]\n"
        #expect(throws: TOMLParseError.self) { try TOMLParser.parse(redefined) }
    }

    @Test func deepDottedKeys() throws {
        let parts = 5_000
        let key = (0..<parts).map { "k\($0)" }.joined(separator: ".")
        for text in [key + " = 1\n", "t = { " + key + " = 1 }\n"] {
            let parsed = try TOMLParser.parse(text)
            var value = try #require(text.hasPrefix("t") ? parsed["t"] : .table(parsed))
            var depth = 0
            while case .table(let table) = value, let first = table.keys.first, let next = table[first] {
                depth += 1
                value = next
            }
            #expect(depth == parts)
            #expect(value == .integer(1))
        }
    }

    // MARK: A typical record

    static let typicalRecord = """
        schema = 1
        id = "2024-05-01-deploy-api-7f3a"
        kind = "intent"
        tier = "medium"
        author = "alice@example.com"
        created = "2024-05-01T12:34:56Z"
        summary = "Deploy the API service to production with the new cache settings"
        approvers = ["bob@example.com", "carol@example.com", "dave@example.com"]
        required = 2
        dry_run = false
        timeout_seconds = 900

        [target]
        repo = "git@example.com:ops/api.git"
        ref = "refs/heads/main"
        digest = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

        """

    static let typicalRecordTable: TOMLTable = [
        "schema": .integer(1),
        "id": .string("2024-05-01-deploy-api-7f3a"),
        "kind": .string("intent"),
        "tier": .string("medium"),
        "author": .string("alice@example.com"),
        "created": .string("2024-05-01T12:34:56Z"),
        "summary": .string("Deploy the API service to production with the new cache settings"),
        "approvers": .array([.string("bob@example.com"), .string("carol@example.com"), .string("dave@example.com")]),
        "required": .integer(2),
        "dry_run": .boolean(false),
        "timeout_seconds": .integer(900),
        "target": .table([
            "repo": .string("git@example.com:ops/api.git"),
            "ref": .string("refs/heads/main"),
            "digest": .string("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
        ]),
    ]

    /// Repeated parsing of one record keeps giving the same table (timing is measured outside the tests).
    @Test func parsesATypicalRecordManyTimes() throws {
        var mismatches = 0
        for _ in 0..<10_000 {
            let parsed = try TOMLParser.parse(Self.typicalRecord)
            if parsed != Self.typicalRecordTable {
                mismatches += 1
            }
        }
        #expect(mismatches == 0)
    }

    /// A worker thread with a fixed stack survives the deepest documents the limits allow.
    @Test func deepDocumentsOnASmallStack() async throws {
        let documents = [
            "a = " + String(repeating: "[", count: 128) + String(repeating: "]", count: 128),
            "a = " + String(repeating: "[", count: 64 * 1024),
            "[" + (0..<5_000).map { "k\($0)" }.joined(separator: ".") + "]\nv = 1\n",
        ]
        // Debug builds use several times the stack of release builds per level.
        let results = await OwnThread.run(stackSize: 4 << 20) {
            documents.map { document -> String in
                do throws(TOMLParseError) {
                    let table = try TOMLParser.parse(document)
                    return "parsed \(table.count)"
                } catch {
                    return "error \(error.message)"
                }
            }
        }
        #expect(results == ["parsed 1", "error nesting deeper than 128 levels", "parsed 1"])
    }
}
