import AWSSigV4
import Foundation
import KinesisVideo
import TestSupport

extension KVSModel.Credentials {
    /// The key pair as the signer takes it.
    var aws: AWSCredentials {
        AWSCredentials(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, sessionToken: sessionToken)
    }
}

extension KVSModel {
    /// The ARN of a channel the model started with.
    static func channelARN(_ channel: String = defaultChannel) -> ChannelARN {
        ChannelARN(arn(channel: channel))!
    }

    /// A viewer's presigned connect URL (`X-Amz-ClientId=clientId`), signed now with `credentials`.
    func viewerURL(clientId: String, credentials: Credentials, channel: String = defaultChannel) throws -> URL {
        try KVSPresignedURL.viewer(
            wss: signalingURL, arn: Self.channelARN(channel), clientId: clientId, credentials: credentials.aws,
            region: Self.region, date: .now())
    }

    /// The master's presigned connect URL, signed now with `credentials`.
    func masterURL(credentials: Credentials, channel: String = defaultChannel) throws -> URL {
        try KVSPresignedURL.master(
            wss: signalingURL, arn: Self.channelARN(channel), credentials: credentials.aws, region: Self.region,
            date: .now())
    }
}
