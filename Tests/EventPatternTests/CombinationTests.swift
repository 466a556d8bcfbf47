import EventPattern
import StrictJSON
import Testing

/// AND across keys, nested objects, OR inside a list of alternatives, `$or`, and arrays in the event.
@Suite struct CombinationTests {
    /// The sample event of EventBridge's Event Ruler README.
    static let ec2Event = #"""
        {
          "version": "0",
          "id": "ddddd4-aaaa-7777-4444-345dd43cc333",
          "detail-type": "EC2 Instance State-change Notification",
          "source": "aws.ec2",
          "account": "012345679012",
          "time": "2017-10-02T16:24:49Z",
          "region": "us-east-1",
          "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
          "detail": {
            "c-count": 5,
            "d-count": 3,
            "x-limit": 301.8,
            "source-ip": "10.0.0.33",
            "instance-id": "i-000000aaaaaa00000",
            "state": "running"
          }
        }
        """#

    @Test func documentedPatternsMatchTheSampleEvent() throws {
        let patterns = [
            #"{"detail-type": ["EC2 Instance State-change Notification"], "#
                + #""resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"], "#
                + #""detail": {"state": ["initializing", "running"]}}"#,
            #"{"time": [{"prefix": "2017-10-02"}]}"#,
            #"{"detail": {"state": [{"anything-but": "initializing"}]}}"#,
            #"{"detail": {"x-limit": [{"anything-but": 123}]}}"#,
            #"{"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}"#,
            #"{"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}}"#,
            #"{"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}"#,
            #"{"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}], "d-count": [{"numeric": ["<", 10]}], "#
                + #""x-limit": [{"numeric": ["=", 3.018e2]}]}}"#,
            #"{"detail": {"c-count": [{"exists": true}]}}"#,
            #"{"time": [{"prefix": "2017-10-02"}], "detail": {"state": [{"anything-but": "initializing"}], "#
                + #""c-count": [{"numeric": [">", 0, "<=", 5]}], "d-count": [{"numeric": ["<", 10]}], "#
                + #""x-limit": [{"anything-but": [100, 200, 300]}]}}"#,
        ]
        for pattern in patterns {
            #expect(try matches(pattern, Self.ec2Event), "\(pattern)")
        }
    }

    @Test func everyKeyMustMatch() throws {
        let pattern = #"{"source": ["aws.ec2"], "region": ["us-east-1"], "detail": {"state": ["running"]}}"#
        #expect(try matches(pattern, Self.ec2Event))
        #expect(try matches(pattern.replacingOccurrences("us-east-1", "eu-west-1"), Self.ec2Event) == false)
        #expect(try matches(pattern.replacingOccurrences("running", "stopped"), Self.ec2Event) == false)
        #expect(try matches(#"{"source": ["aws.ec2"], "missing": ["x"]}"#, Self.ec2Event) == false)
    }

    @Test func nestedObjectsFollowTheEventsStructure() throws {
        let pattern = #"{"detail": {"trigger": {"risk": [8]}}, "source": ["aws.macie"]}"#
        #expect(try matches(pattern, #"{"source": "aws.macie", "detail": {"trigger": {"risk": 8, "x": 1}}}"#))
        #expect(try matches(pattern, #"{"source": "aws.macie", "detail": {"trigger": {"risk": 9}}}"#) == false)
        #expect(try matches(pattern, #"{"source": "aws.macie", "detail": {"risk": 8}}"#) == false)
        #expect(try matches(pattern, #"{"source": "aws.macie", "detail": {"trigger": 8}}"#) == false)
        #expect(try matches(pattern, #"{"source": "aws.macie", "detail.trigger.risk": 8}"#) == false)
        #expect(try matches(pattern, #"{"source": "aws.macie"}"#) == false)
    }

    @Test func differentOperatorsOnOneKeyAreAlternatives() throws {
        let pattern = #"{"location": ["MA-BOS-01", {"prefix": "NY-"}, {"numeric": [">=", 100]}, null]}"#
        #expect(try matches(pattern, #"{"location": "MA-BOS-01"}"#))
        #expect(try matches(pattern, #"{"location": "NY-NYC-002"}"#))
        #expect(try matches(pattern, #"{"location": 100}"#))
        #expect(try matches(pattern, #"{"location": null}"#))
        #expect(try matches(pattern, #"{"location": "MA-BOS-02"}"#) == false)
        #expect(try matches(pattern, #"{"location": 99}"#) == false)
        #expect(try matches(pattern, "{}") == false)
    }

    @Test func orCombinesWholePatterns() throws {
        // source && (metricName || namespace)
        let pattern = #"""
            {"source": ["aws.cloudwatch"],
             "$or": [{"metricName": ["CPUUtilization", "ReadLatency"]}, {"namespace": ["AWS/EC2", "AWS/ES"]}]}
            """#
        #expect(try matches(pattern, #"{"source": "aws.cloudwatch", "metricName": "ReadLatency"}"#))
        #expect(try matches(pattern, #"{"source": "aws.cloudwatch", "namespace": "AWS/ES"}"#))
        #expect(
            try matches(pattern, #"{"source": "aws.cloudwatch", "metricName": "Other", "namespace": "Other"}"#) == false
        )
        #expect(try matches(pattern, #"{"source": "aws.s3", "metricName": "ReadLatency"}"#) == false)
    }

    @Test func parallelAndNestedOr() throws {
        // (metricName || namespace) && (detail.source || detail.detail-type)
        let parallel = #"""
            {"$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}],
             "detail": {"$or": [{"source": ["aws.cloudwatch"]}, {"detail-type": ["CloudWatch Alarm State Change"]}]}}
            """#
        #expect(try matches(parallel, #"{"namespace": "AWS/EC2", "detail": {"source": "aws.cloudwatch"}}"#))
        #expect(
            try matches(
                parallel,
                #"{"metricName": "CPUUtilization", "detail": {"detail-type": "CloudWatch Alarm State Change"}}"#)
        )
        #expect(try matches(parallel, #"{"namespace": "AWS/EC2", "detail": {"source": "aws.s3"}}"#) == false)
        #expect(try matches(parallel, #"{"namespace": "AWS/S3", "detail": {"source": "aws.cloudwatch"}}"#) == false)

        // source && (metricName || (metricType && namespace && (metricId || spaceId)) || scope)
        let nested = #"""
            {"source": ["aws.cloudwatch"],
             "$or": [
               {"metricName": ["CPUUtilization", "ReadLatency"]},
               {"metricType": ["MetricType"], "namespace": ["AWS/EC2", "AWS/ES"],
                "$or": [{"metricId": [1234]}, {"spaceId": [1000]}]},
               {"scope": ["Service"]}
             ]}
            """#
        #expect(try matches(nested, #"{"source": "aws.cloudwatch", "scope": "Service"}"#))
        #expect(
            try matches(
                nested,
                #"{"source": "aws.cloudwatch", "metricType": "MetricType", "namespace": "AWS/ES", "spaceId": 1000}"#))
        #expect(
            try matches(nested, #"{"source": "aws.cloudwatch", "metricType": "MetricType", "namespace": "AWS/ES"}"#)
                == false)
        #expect(
            try matches(nested, #"{"source": "aws.cloudwatch", "metricType": "MetricType", "spaceId": 1000}"#) == false)
    }

    @Test func orAlternativeOfAbsentFields() throws {
        let pattern = #"{"$or": [{"a": [{"exists": false}]}, {"b": ["x"]}]}"#
        #expect(try matches(pattern, "{}"))
        #expect(try matches(pattern, #"{"a": 1, "b": "x"}"#))
        #expect(try matches(pattern, #"{"a": 1, "b": "y"}"#) == false)
        #expect(try matches(#"{"detail": {"$or": [{"a": [{"exists": false}]}, {"b": ["x"]}]}}"#, #"{"other": 1}"#))
    }

    @Test func anEventArrayMatchesWhenAnyElementDoes() throws {
        // The pattern list and the event array need only intersect.
        let pattern = #"""
            {"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
                           "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f"]}
            """#
        let event = #"""
            {"resources": ["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b",
                           "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]}
            """#
        #expect(try matches(pattern, event))
        #expect(
            try matches(pattern, #"{"resources": ["arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f"]}"#) == false
        )
        #expect(try matches(pattern, #"{"resources": []}"#) == false)
    }

    @Test func nestedPatternsMatchWithinOneElementOfAnArrayOfObjects() throws {
        let employees = #"""
            {"employees": [
              {"firstName": "John", "lastName": "Doe"},
              [{"firstName": "Anna", "lastName": "Smith"}],
              {"firstName": "Peter", "lastName": "Jones"}
            ]}
            """#
        #expect(try matches(#"{"employees": {"firstName": ["Anna"]}}"#, employees))
        #expect(try matches(#"{"employees": {"firstName": ["Anna"], "lastName": ["Smith"]}}"#, employees))
        #expect(try matches(#"{"employees": {"firstName": ["Anna"], "lastName": ["Jones"]}}"#, employees) == false)
        #expect(try matches(#"{"employees": {"firstName": ["Zoe"]}}"#, employees) == false)
        #expect(try matches(#"{"employees": {"middleName": [{"exists": false}]}}"#, employees))
        #expect(try matches(#"{"employees": {"lastName": [{"exists": false}]}}"#, employees) == false)
    }

    @Test func emptyPatternMatchesEverything() throws {
        let pattern = try compile("{}")
        for event in ["{}", #"{"a": 1}"#, "[]", "null", #""text""#] {
            #expect(pattern.matches(try JSONParser.parse(event)), "\(event)")
        }
    }

    @Test func eventsThatAreNotObjects() throws {
        #expect(try matches(#"{"a": ["x"]}"#, #"[{"a": "y"}, {"a": "x"}]"#))
        #expect(try matches(#"{"a": ["x"]}"#, #""x""#) == false)
        #expect(try matches(#"{"a": ["x"]}"#, "null") == false)
        #expect(try matches(#"{"a": [{"exists": false}]}"#, "42"))
    }

    @Test func nullAndEmptyStringAreNotInterchangeable() throws {
        let event = #"{"detail": {"eventVersion": "", "responseElements": null}}"#
        #expect(try matches(#"{"detail": {"eventVersion": [""]}}"#, event))
        #expect(try matches(#"{"detail": {"responseElements": [null]}}"#, event))
        #expect(try matches(#"{"detail": {"eventVersion": [null]}}"#, event) == false)
        #expect(try matches(#"{"detail": {"responseElements": [""]}}"#, event) == false)
        #expect(try matches(#"{"detail": {"missing": [null]}}"#, event) == false)
    }

    @Test func aCompiledPatternIsReusedAcrossEvents() throws {
        let pattern = try compile(#"{"detail": {"amount": [{"numeric": [">", 100]}]}}"#)
        let results = try (0..<200).map { amount in
            pattern.matches(try JSONParser.parse(#"{"detail": {"amount": \#(amount)}}"#))
        }
        #expect(results.filter { $0 }.count == 99)
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
