#include <gst/gst.h>

// Shim for the payload-type probe (ViewerBranch+PayloadType.swift): a viewer that offers gets our shared RTP streams
// with the payload types of its offer, rewritten in its own branch.

static inline void cgst_rtp_set_payload_type(GstBuffer *buffer, guint8 payload_type) {
    // The RTP header starts the first memory block: map only that one (a shared block is copied, the payload's
    // blocks stay shared with the other viewers).
    GstMapInfo map;
    if (gst_buffer_n_memory(buffer) == 0 || !gst_buffer_map_range(buffer, 0, 1, &map, GST_MAP_READWRITE)) return;
    if (map.size >= 2) map.data[1] = (map.data[1] & 0x80) | (payload_type & 0x7f);
    gst_buffer_unmap(buffer, &map);
}

/// Rewrites what a pad probe (buffer, buffer list or downstream event) carries to RTP payload type `payload_type`:
/// each buffer is made writable and its header's PT set; a caps event is replaced by one whose `payload` is
/// `payload_type`. Returns 1 when it replaced a caps event, else 0.
static inline int cgst_probe_set_payload_type(GstPadProbeInfo *info, guint8 payload_type) {
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
        GstBuffer *buffer = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
        cgst_rtp_set_payload_type(buffer, payload_type);
        GST_PAD_PROBE_INFO_DATA(info) = buffer;
    } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
        GstBufferList *list = gst_buffer_list_make_writable(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
        guint count = gst_buffer_list_length(list);
        for (guint index = 0; index < count; index++) {
            cgst_rtp_set_payload_type(gst_buffer_list_get_writable(list, index), payload_type);
        }
        GST_PAD_PROBE_INFO_DATA(info) = list;
    } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
        GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
        if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return 0;
        GstCaps *caps = NULL;
        gst_event_parse_caps(event, &caps);
        caps = gst_caps_copy(caps);
        gst_caps_set_simple(caps, "payload", G_TYPE_INT, (gint)payload_type, NULL);
        GST_PAD_PROBE_INFO_DATA(info) = gst_event_new_caps(caps);
        gst_caps_unref(caps);
        gst_event_unref(event);
        return 1;
    }
    return 0;
}
