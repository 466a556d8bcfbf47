import Basics
import DeviceCertificate
import Glibc
import SystemPackage

extension Checkup {
    /// CA file, certificate, key, their match, and the key's permissions.
    static func identityChecks(_ mqtt: RobotConfig.MQTT) -> [CheckItem] {
        var items: [CheckItem] = []
        do {
            let count = try PEMFile.certificateCount(at: mqtt.caFile)
            items.append(CheckItem(.passed, "CA file", "\(mqtt.caFile) (\(count) certificate\(count == 1 ? "" : "s"))"))
        } catch {
            items.append(
                CheckItem(.failed, "CA file", "\(error) — for AWS IoT use Amazon's root CA (AmazonRootCA1.pem)"))
        }
        var certificateParses = false
        do {
            items.append(certificateItem(mqtt.certFile, try PEMFile.certificate(at: mqtt.certFile)))
            certificateParses = true
        } catch {
            items.append(
                CheckItem(
                    .failed, "certificate", "\(error) — use the device certificate (certificate.pem.crt) from AWS IoT"))
        }
        var keyParses = false
        do {
            items.append(
                CheckItem(.passed, "private key", "\(mqtt.keyFile) (\(try PEMFile.privateKey(at: mqtt.keyFile)))"))
            keyParses = true
        } catch {
            items.append(CheckItem(.failed, "private key", "\(error)"))
        }
        if certificateParses && keyParses {
            items.append(matchItem(mqtt))
        }
        items.append(permissionItem(mqtt.keyFile))
        return items
    }

    private static func certificateItem(_ path: String, _ summary: CertificateSummary) -> CheckItem {
        guard summary.isValidYet else {
            return CheckItem(
                .failed, "certificate",
                "\(path) is not valid yet — is the clock right (timedatectl; a Pi has no real-time clock)?")
        }
        guard let remaining = summary.secondsUntilExpiry else {
            return CheckItem(.warning, "certificate", "\(path) (\(summary.subject)): its expiry date does not parse")
        }
        let days = remaining / 86_400
        if remaining <= 0 {
            return CheckItem(
                .failed, "certificate", "\(path) (\(summary.subject)) has expired — issue a new device certificate")
        }
        if days < 30 {
            return CheckItem(.warning, "certificate", "\(path) (\(summary.subject)) expires in \(days) days — renew it")
        }
        return CheckItem(.passed, "certificate", "\(path) (\(summary.subject), expires in \(days) days)")
    }

    private static func matchItem(_ mqtt: RobotConfig.MQTT) -> CheckItem {
        do {
            if try PEMFile.keyMatches(certFile: mqtt.certFile, keyFile: mqtt.keyFile) {
                return CheckItem(.passed, "key matches certificate", "the key belongs to the certificate")
            }
            return CheckItem(
                .failed, "key matches certificate",
                "\(mqtt.keyFile) is not the key of \(mqtt.certFile) — use the private key created with this "
                    + "certificate (mqtt.keyFile) or the certificate issued for this key (mqtt.certFile)")
        } catch {
            return CheckItem(.failed, "key matches certificate", "\(error)")
        }
    }

    /// A key readable by other users is a leaked identity: warn (robotd still works).
    private static func permissionItem(_ path: String) -> CheckItem {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return CheckItem(.failed, "key permissions", "cannot stat \(path): \(Errno.current)")
        }
        let mode = info.st_mode & 0o777
        let octal = String(mode, radix: 8)
        if mode & 0o004 != 0 {
            return CheckItem(
                .warning, "key permissions",
                "\(path) is readable by every user (mode \(octal)) — chmod 600 \(path) (or 640 with group robot)")
        }
        return CheckItem(.passed, "key permissions", "\(path) is not readable by others (mode \(octal))")
    }
}
