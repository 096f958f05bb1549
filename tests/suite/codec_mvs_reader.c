/* An independent reader of the codec's motion vectors for tests/suite/codec_mvs.rs: FFmpeg's own
 * doc/examples/extract_mvs.c (decoder option flags2=+export_mvs, every AVMotionVector of each frame's
 * AV_FRAME_DATA_MOTION_VECTORS side data), printing vidscope's codec_mvs.csv columns: the frame
 * numbered from 0 in the order frames leave the decoder, the flags left out. Uses libavformat,
 * libavcodec and libavutil only (no vidscope code); builds against FFmpeg 5.1 and 7.1. */
#include <inttypes.h>
#include <stdio.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/motion_vector.h>

static long frame_count = 0;

static int print_frames(AVCodecContext *dec, AVFrame *frame)
{
    for (;;) {
        int ret = avcodec_receive_frame(dec, frame);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0)
            return ret;
        AVFrameSideData *sd = av_frame_get_side_data(frame, AV_FRAME_DATA_MOTION_VECTORS);
        if (sd) {
            const AVMotionVector *mvs = (const AVMotionVector *)sd->data;
            for (size_t i = 0; i < sd->size / sizeof(*mvs); i++) {
                const AVMotionVector *mv = &mvs[i];
                printf("%ld,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d\n", frame_count, mv->source, mv->w, mv->h,
                       mv->src_x, mv->src_y, mv->dst_x, mv->dst_y, mv->motion_x, mv->motion_y,
                       mv->motion_scale);
            }
        }
        frame_count++;
        av_frame_unref(frame);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s VIDEO\n", argv[0]);
        return 2;
    }
    AVFormatContext *fmt = NULL;
    if (avformat_open_input(&fmt, argv[1], NULL, NULL) < 0 || avformat_find_stream_info(fmt, NULL) < 0) {
        fprintf(stderr, "%s: cannot open\n", argv[1]);
        return 1;
    }
    const AVCodec *codec = NULL;
    int stream = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (stream < 0) {
        fprintf(stderr, "%s: no video stream\n", argv[1]);
        return 1;
    }
    AVCodecContext *dec = avcodec_alloc_context3(codec);
    avcodec_parameters_to_context(dec, fmt->streams[stream]->codecpar);
    AVDictionary *opts = NULL;
    av_dict_set(&opts, "flags2", "+export_mvs", 0);
    if (avcodec_open2(dec, codec, &opts) < 0) {
        fprintf(stderr, "%s: cannot open the decoder\n", argv[1]);
        return 1;
    }
    printf("frame,source,w,h,src_x,src_y,dst_x,dst_y,motion_x,motion_y,motion_scale\n");
    AVPacket *pkt = av_packet_alloc();
    AVFrame *frame = av_frame_alloc();
    int ret = 0;
    while (ret >= 0 && av_read_frame(fmt, pkt) >= 0) {
        if (pkt->stream_index == stream) {
            ret = avcodec_send_packet(dec, pkt);
            if (ret >= 0)
                ret = print_frames(dec, frame);
        }
        av_packet_unref(pkt);
    }
    if (ret >= 0) {
        avcodec_send_packet(dec, NULL);
        ret = print_frames(dec, frame);
    }
    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
    if (ret < 0) {
        fprintf(stderr, "%s: decoding failed\n", argv[1]);
        return 1;
    }
    return 0;
}
