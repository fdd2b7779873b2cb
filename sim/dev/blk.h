/*
 * blk.h - blk0, the machine's disk: a virtio-blk device on a virtio-mmio
 * (version 2) register page, as the OASIS virtio 1.x specification
 * describes them. The offsets and values below are the specification's;
 * the unit tests and the model share them.
 */
#ifndef SIM_DEV_BLK_H
#define SIM_DEV_BLK_H

#include <mica/device.h>
#include <mica/sim.h>

/* The model of blk0 for a run with this configuration (disk_path, disk_bytes, disk_fail_at). */
mica_device_model_t dev_blk_model(const mica_config_t *cfg);

/* virtio-mmio registers (32-bit, little-endian). */
#define VIRTIO_MMIO_MAGIC_VALUE         0x000   /* "virt" */
#define VIRTIO_MMIO_VERSION             0x004
#define VIRTIO_MMIO_DEVICE_ID           0x008
#define VIRTIO_MMIO_VENDOR_ID           0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES     0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES     0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL           0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX       0x034
#define VIRTIO_MMIO_QUEUE_NUM           0x038
#define VIRTIO_MMIO_QUEUE_READY         0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY        0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS    0x060
#define VIRTIO_MMIO_INTERRUPT_ACK       0x064
#define VIRTIO_MMIO_STATUS              0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW      0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH     0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW    0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH   0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW    0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH   0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION   0x0fc
#define VIRTIO_MMIO_CONFIG              0x100

#define VIRTIO_MMIO_MAGIC               0x74726976u
#define VIRTIO_ID_BLOCK                 2
#define VIRTIO_VENDOR_MICA              0x6163696du     /* "mica" */

/* Device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE       1
#define VIRTIO_STATUS_DRIVER            2
#define VIRTIO_STATUS_DRIVER_OK         4
#define VIRTIO_STATUS_FEATURES_OK       8
#define VIRTIO_STATUS_NEEDS_RESET       0x40
#define VIRTIO_STATUS_FAILED            0x80

/* InterruptStatus / InterruptACK bits. */
#define VIRTIO_INT_USED_BUFFER          1
#define VIRTIO_INT_CONFIG_CHANGE        2

/* Feature bits. */
#define VIRTIO_BLK_F_BLK_SIZE           6
#define VIRTIO_BLK_F_FLUSH              9
#define VIRTIO_F_VERSION_1              32

/* blk0's virtqueue 0 holds at most this many descriptors. */
#define BLK_QUEUE_NUM_MAX               64

/* Config space (offsets from VIRTIO_MMIO_CONFIG). */
#define VIRTIO_BLK_CFG_CAPACITY         0x00    /* u64, 512-byte sectors */
#define VIRTIO_BLK_CFG_BLK_SIZE         0x14    /* u32 */

/* Split virtqueue. */
#define VIRTQ_DESC_F_NEXT               1
#define VIRTQ_DESC_F_WRITE              2
#define VIRTQ_AVAIL_F_NO_INTERRUPT      1

/* Requests. */
#define VIRTIO_BLK_T_IN                 0
#define VIRTIO_BLK_T_OUT                1
#define VIRTIO_BLK_T_FLUSH              4
#define VIRTIO_BLK_T_GET_ID             8
#define VIRTIO_BLK_S_OK                 0
#define VIRTIO_BLK_S_IOERR              1
#define VIRTIO_BLK_S_UNSUPP             2
#define VIRTIO_BLK_ID_BYTES             20
#define VIRTIO_BLK_SECTOR               512

/* Latency of a request in virtual time: a fixed part and a part per 512 bytes of data. */
#define BLK_LATENCY_NS                  50000u
#define BLK_LATENCY_PER_SECTOR_NS       2000u

#endif /* SIM_DEV_BLK_H */
