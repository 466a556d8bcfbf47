import StrictJSON
import Testing

@Suite struct JSONObjectTests {
    @Test func subscriptSetReplacesInPlaceAppendsAndRemoves() {
        var object: JSONObject = ["a": 1, "b": 2]
        object["a"] = "one"
        object["c"] = 3
        #expect(object.keys == ["a", "b", "c"])
        #expect(object["a"] == "one")
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        object["missing"] = nil
        #expect(object.count == 2)
    }

    @Test func repeatedKeysInBuildersKeepFirstPositionAndLastValue() {
        let object = JSONObject([("a", 1), ("b", 2), ("a", 3)])
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == 3)
    }

    @Test func equalityIgnoresOrder() {
        let first: JSONObject = ["a": 1, "b": [true]]
        let second: JSONObject = ["b": [true], "a": 1]
        #expect(first == second)
        #expect(first != ["a": 1, "b": [false]])
        #expect(first != ["a": 1])
        #expect(first != ["a": 1, "c": [true]])
    }

    @Test func iteratesMembersInOrder() {
        let object: JSONObject = [("x", 1), ("y", 2)]
        #expect(object.map(\.key) == ["x", "y"])
        #expect(object.map(\.value) == [1, 2])
    }
}
