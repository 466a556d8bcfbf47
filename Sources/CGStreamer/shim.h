#define GST_USE_UNSTABLE_API 1
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

// Shims for what Swift cannot call: GObject's variadic property and signal functions, and casts that are macros.
// Each takes `gpointer` for the instance (Swift has no G_OBJECT()/GST_ELEMENT() casts) and does one thing.

// MARK: casts

static inline GstObject *cgst_object(gpointer instance) { return GST_OBJECT(instance); }
static inline GstBin *cgst_bin(gpointer instance) { return GST_BIN(instance); }
static inline GObject *cgst_gobject(gpointer instance) { return G_OBJECT(instance); }
static inline GstMessageType cgst_message_type(GstMessage *message) { return GST_MESSAGE_TYPE(message); }
static inline GstObject *cgst_message_source(GstMessage *message) { return GST_MESSAGE_SRC(message); }

// MARK: one property (g_object_set/g_object_get are variadic)

static inline void cgst_set_string(gpointer object, const gchar *name, const gchar *value) {
    g_object_set(object, name, value, NULL);
}
static inline void cgst_set_boolean(gpointer object, const gchar *name, gboolean value) {
    g_object_set(object, name, value, NULL);
}
static inline void cgst_set_uint(gpointer object, const gchar *name, guint value) {
    g_object_set(object, name, value, NULL);
}
/// An enum property by its value.
static inline void cgst_set_enum(gpointer object, const gchar *name, gint value) {
    g_object_set(object, name, value, NULL);
}
static inline guint cgst_get_uint(gpointer object, const gchar *name) {
    guint value = 0;
    g_object_get(object, name, &value, NULL);
    return value;
}
/// An enum (or any) property read as an int.
static inline gint cgst_get_enum(gpointer object, const gchar *name) {
    gint value = 0;
    g_object_get(object, name, &value, NULL);
    return value;
}
/// An object property (e.g. webrtcbin's "ice-agent"): the caller OWNS the returned reference (transfer full)
/// and must gst_object_unref/g_object_unref it.
static inline gpointer cgst_get_object(gpointer object, const gchar *name) {
    gpointer value = NULL;
    g_object_get(object, name, &value, NULL);
    return value;
}

// MARK: signals (g_signal_connect is a macro, g_signal_emit_by_name variadic)

typedef void (*cgst_ice_candidate_callback)(GstElement *webrtc, guint mline_index, gchar *candidate, gpointer data);
typedef void (*cgst_element_callback)(GstElement *element, gpointer data);
typedef void (*cgst_notify_callback)(GObject *object, GParamSpec *pspec, gpointer data);
typedef void (*cgst_pad_callback)(GstElement *element, GstPad *pad, gpointer data);
typedef void (*cgst_ssrc_callback)(GstElement *rtpbin, guint session, guint ssrc, gpointer data);

static inline gulong cgst_connect_ice_candidate(
    gpointer webrtc, cgst_ice_candidate_callback callback, gpointer data, GClosureNotify destroy) {
    return g_signal_connect_data(webrtc, "on-ice-candidate", G_CALLBACK(callback), data, destroy, (GConnectFlags)0);
}
static inline gulong cgst_connect_element_signal(
    gpointer element, const gchar *signal, cgst_element_callback callback, gpointer data, GClosureNotify destroy) {
    return g_signal_connect_data(element, signal, G_CALLBACK(callback), data, destroy, (GConnectFlags)0);
}
/// "pad-added"/"pad-removed".
static inline gulong cgst_connect_pad_signal(
    gpointer element, const gchar *signal, cgst_pad_callback callback, gpointer data, GClosureNotify destroy) {
    return g_signal_connect_data(element, signal, G_CALLBACK(callback), data, destroy, (GConnectFlags)0);
}
/// rtpbin's "on-bye-ssrc"/"on-timeout"/… (session, SSRC).
static inline gulong cgst_connect_ssrc_signal(
    gpointer rtpbin, const gchar *signal, cgst_ssrc_callback callback, gpointer data, GClosureNotify destroy) {
    return g_signal_connect_data(rtpbin, signal, G_CALLBACK(callback), data, destroy, (GConnectFlags)0);
}
/// `detailed_signal` like "notify::connection-state".
static inline gulong cgst_connect_notify(
    gpointer object, const gchar *detailed_signal, cgst_notify_callback callback, gpointer data,
    GClosureNotify destroy) {
    return g_signal_connect_data(object, detailed_signal, G_CALLBACK(callback), data, destroy, (GConnectFlags)0);
}

/// webrtcbin's "create-offer" action signal, no options.
static inline void cgst_webrtc_create_offer(gpointer webrtc, GstPromise *promise) {
    g_signal_emit_by_name(webrtc, "create-offer", NULL, promise);
}
/// webrtcbin's "create-answer" action signal, no options (a viewer's side: tests).
static inline void cgst_webrtc_create_answer(gpointer webrtc, GstPromise *promise) {
    g_signal_emit_by_name(webrtc, "create-answer", NULL, promise);
}
/// webrtcbin's "set-local-description" / "set-remote-description" action signals.
static inline void cgst_webrtc_set_description(
    gpointer webrtc, gboolean local, GstWebRTCSessionDescription *description, GstPromise *promise) {
    g_signal_emit_by_name(webrtc, local ? "set-local-description" : "set-remote-description", description, promise);
}
static inline void cgst_webrtc_add_ice_candidate(gpointer webrtc, guint mline_index, const gchar *candidate) {
    g_signal_emit_by_name(webrtc, "add-ice-candidate", mline_index, candidate);
}
static inline gboolean cgst_webrtc_add_turn_server(gpointer webrtc, const gchar *uri) {
    gboolean added = FALSE;
    g_signal_emit_by_name(webrtc, "add-turn-server", uri, &added);
    return added;
}
/// GstWebRTCICE's "add-local-ip-address" action signal (on the object webrtcbin's "ice-agent" returns).
static inline gboolean cgst_ice_add_local_ip_address(gpointer ice, const gchar *address) {
    gboolean added = FALSE;
    g_signal_emit_by_name(ice, "add-local-ip-address", address, &added);
    return added;
}
/// webrtcbin's "add-transceiver" action signal (a transceiver with no pad, e.g. receive-only). The caller OWNS the
/// returned transceiver and must gst_object_unref it.
static inline gpointer cgst_webrtc_add_transceiver(gpointer webrtc, gint direction, GstCaps *caps) {
    gpointer transceiver = NULL;
    g_signal_emit_by_name(webrtc, "add-transceiver", direction, caps, &transceiver);
    return transceiver;
}
/// webrtcbin's "get-transceiver" action signal by index. The caller OWNS the returned transceiver (NULL if none).
static inline gpointer cgst_webrtc_get_transceiver(gpointer webrtc, gint index) {
    gpointer transceiver = NULL;
    g_signal_emit_by_name(webrtc, "get-transceiver", index, &transceiver);
    return transceiver;
}

/// The first element inside `bin` (at any depth) made by the factory `factory`, e.g. the "rtprtxsend" webrtcbin
/// creates for a transceiver with do-nack. The caller OWNS the returned reference (NULL if none).
static inline GstElement *cgst_bin_find_by_factory(gpointer bin, const gchar *factory) {
    GstIterator *iterator = gst_bin_iterate_recurse(GST_BIN(bin));
    GValue item = G_VALUE_INIT;
    GstElement *found = NULL;
    gboolean done = FALSE;
    while (!done && found == NULL) {
        switch (gst_iterator_next(iterator, &item)) {
        case GST_ITERATOR_OK: {
            GstElement *element = GST_ELEMENT(g_value_get_object(&item));
            GstElementFactory *made_by = gst_element_get_factory(element);
            if (made_by != NULL && g_strcmp0(gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(made_by)), factory) == 0) {
                found = GST_ELEMENT(gst_object_ref(element));
            }
            g_value_reset(&item);
            break;
        }
        case GST_ITERATOR_RESYNC:
            gst_iterator_resync(iterator);
            break;
        default:
            done = TRUE;
        }
    }
    g_value_unset(&item);
    gst_iterator_free(iterator);
    return found;
}
