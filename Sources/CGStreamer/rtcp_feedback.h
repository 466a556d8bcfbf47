#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include <string.h>

// Reading what a viewer's RTCP says about the video we send (WebRTCProducer's ViewerBranch+Feedback.swift and
// BitrateController): receiver reports (RFC 3550 §6.4: fraction lost, LSR/DLSR for the round trip) and REMB
// (draft-alvestrand-rmcat-remb: PSFB, FMT 15, FCI "REMB"), which Chromium sends when the offer has
// `a=rtcp-fb:<pt> goog-remb` and no transport-cc.

#define CGST_RTCP_MAX_BLOCKS 4

typedef struct {
    /// The report blocks (one per stream the viewer receives: video, its RTX, audio), up to CGST_RTCP_MAX_BLOCKS.
    guint blocks;
    guint32 ssrc[CGST_RTCP_MAX_BLOCKS];
    /// "fraction lost" since the previous report, 0…255 = 0…100 %.
    guint8 fraction_lost[CGST_RTCP_MAX_BLOCKS];
    /// The extended highest sequence number received: its growth tells which stream is the video.
    guint32 highest_sequence[CGST_RTCP_MAX_BLOCKS];
    /// The round trip from the report block that echoes one of our sender reports, in ms, or -1.
    gint round_trip_ms;
    /// The REMB estimate in bit/s, or 0 without a REMB packet.
    guint64 remb_bps;
} cgst_rtcp_feedback;

/// The middle 32 bits of the NTP time now (RFC 3550's compact form, 1/65536 s): the clock rtpsession stamps its
/// sender reports with (rtpbin's default ntp-time-source, "ntp", is the wall clock).
static inline guint32 cgst_ntp_now_compact(void) {
    gint64 now_us = g_get_real_time();
    guint64 seconds = (guint64)(now_us / G_USEC_PER_SEC) + G_GUINT64_CONSTANT(2208988800);
    guint64 fraction = ((guint64)(now_us % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC;
    return (guint32)(((seconds & 0xffff) << 16) | (fraction >> 16));
}

static inline void cgst_rtcp_read_report_blocks(GstRTCPPacket *packet, guint32 now, cgst_rtcp_feedback *out) {
    guint count = gst_rtcp_packet_get_rb_count(packet);
    for (guint index = 0; index < count; index++) {
        guint32 ssrc, highest, jitter, lsr, dlsr;
        guint8 fraction;
        gint32 lost;
        gst_rtcp_packet_get_rb(packet, index, &ssrc, &fraction, &lost, &highest, &jitter, &lsr, &dlsr);
        if (out->blocks < CGST_RTCP_MAX_BLOCKS) {
            out->ssrc[out->blocks] = ssrc;
            out->fraction_lost[out->blocks] = fraction;
            out->highest_sequence[out->blocks] = highest;
            out->blocks++;
        }
        if (lsr == 0) continue;
        guint32 round_trip = now - lsr - dlsr;  // modulo 2^32, in 1/65536 s
        if (round_trip < (60u << 16)) {
            gint ms = (gint)(((guint64)round_trip * 1000) >> 16);
            if (ms > out->round_trip_ms) out->round_trip_ms = ms;
        }
    }
}

/// A REMB packet's estimate (exponent 6 bits, mantissa 18 bits), or 0 when the packet is another PSFB.
static inline guint64 cgst_rtcp_read_remb(GstRTCPPacket *packet) {
    if (gst_rtcp_packet_fb_get_type(packet) != GST_RTCP_PSFB_TYPE_AFB) return 0;
    if (gst_rtcp_packet_fb_get_fci_length(packet) < 2) return 0;
    const guint8 *fci = gst_rtcp_packet_fb_get_fci(packet);
    if (fci == NULL || memcmp(fci, "REMB", 4) != 0) return 0;
    guint exponent = fci[5] >> 2;
    guint64 mantissa = ((guint64)(fci[5] & 0x03) << 16) | ((guint64)fci[6] << 8) | fci[7];
    return mantissa << exponent;
}

/// Reads one compound RTCP packet. Returns FALSE when it is not RTCP or says nothing of the above.
static inline gboolean cgst_rtcp_read_feedback(GstBuffer *buffer, cgst_rtcp_feedback *out) {
    out->blocks = 0;
    out->round_trip_ms = -1;
    out->remb_bps = 0;
    GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
    if (!gst_rtcp_buffer_map(buffer, GST_MAP_READ, &rtcp)) return FALSE;
    guint32 now = cgst_ntp_now_compact();
    GstRTCPPacket packet;
    gboolean more = gst_rtcp_buffer_get_first_packet(&rtcp, &packet);
    while (more) {
        switch (gst_rtcp_packet_get_type(&packet)) {
        case GST_RTCP_TYPE_SR:
        case GST_RTCP_TYPE_RR:
            cgst_rtcp_read_report_blocks(&packet, now, out);
            break;
        case GST_RTCP_TYPE_PSFB: {
            guint64 remb = cgst_rtcp_read_remb(&packet);
            if (remb > 0) out->remb_bps = remb;
            break;
        }
        default:
            break;
        }
        more = gst_rtcp_packet_move_to_next(&packet);
    }
    gst_rtcp_buffer_unmap(&rtcp);
    return out->blocks > 0 || out->remb_bps > 0;
}

typedef void (*cgst_buffer_callback)(GObject *object, GstBuffer *buffer, gpointer data);

/// rtpbin's "get-internal-session" action signal: the RTPSession (a GObject) of session `id`, or NULL. The caller
/// OWNS the returned reference and must g_object_unref it.
static inline gpointer cgst_rtpbin_internal_session(gpointer rtpbin, guint id) {
    gpointer session = NULL;
    g_signal_emit_by_name(rtpbin, "get-internal-session", id, &session);
    return session;
}

/// RTPSession's "on-receiving-rtcp" (each compound RTCP packet before the session handles it).
static inline gulong cgst_connect_buffer_signal(
    gpointer object, const gchar *signal, cgst_buffer_callback callback, gpointer data, GClosureNotify destroy) {
    return g_signal_connect_data(object, signal, G_CALLBACK(callback), data, destroy, (GConnectFlags)0);
}

/// A gint property (e.g. vp8enc's "target-bitrate").
static inline void cgst_set_int(gpointer object, const gchar *name, gint value) {
    g_object_set(object, name, value, NULL);
}
