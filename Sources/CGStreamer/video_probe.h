#include <gst/gst.h>
#include <gst/video/video.h>

// Shims for the latency probe (ClockStripeProbe.swift): a buffer probe that writes into the frames it sees.

/// The buffer `info` carries, made writable (copied if someone else holds it) and put back into `info`, mapped for
/// writing as an I420 frame of `pad`'s current caps. Returns 0 (nothing mapped) for other formats or on failure;
/// after 1 the caller must gst_video_frame_unmap(frame).
static inline int cgst_probe_map_i420_frame(GstPadProbeInfo *info, GstPad *pad, GstVideoFrame *frame) {
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    if (buffer == NULL) return 0;
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (caps == NULL) return 0;
    GstVideoInfo video;
    gboolean parsed = gst_video_info_from_caps(&video, caps);
    gst_caps_unref(caps);
    if (!parsed || GST_VIDEO_INFO_FORMAT(&video) != GST_VIDEO_FORMAT_I420) return 0;
    buffer = gst_buffer_make_writable(buffer);
    GST_PAD_PROBE_INFO_DATA(info) = buffer;
    return gst_video_frame_map(frame, &video, buffer, GST_MAP_WRITE) ? 1 : 0;
}

static inline guint8 *cgst_video_frame_plane(GstVideoFrame *frame, guint plane) {
    return (guint8 *)GST_VIDEO_FRAME_PLANE_DATA(frame, plane);
}
static inline gint cgst_video_frame_stride(GstVideoFrame *frame, guint plane) {
    return GST_VIDEO_FRAME_PLANE_STRIDE(frame, plane);
}
static inline gint cgst_video_frame_width(GstVideoFrame *frame) { return GST_VIDEO_FRAME_WIDTH(frame); }
static inline gint cgst_video_frame_height(GstVideoFrame *frame) { return GST_VIDEO_FRAME_HEIGHT(frame); }
