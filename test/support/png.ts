/**
 * Just enough of a PNG decoder to check a screenshot: the IHDR size, and the pixels (8-bit RGB or
 * RGBA, non-interlaced, as Chromium writes them) through node:zlib and PNG's five row filters.
 */
import zlib from "node:zlib";

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface Png {
    readonly width: number;
    readonly height: number;
    /** Bytes per pixel: 3 (RGB) or 4 (RGBA). */
    readonly channels: number;
    /** Unfiltered rows, `width * channels` bytes each. */
    readonly pixels: Buffer;
}

export function decodePng(file: Buffer): Png {
    if (!file.subarray(0, 8).equals(SIGNATURE)) throw new Error("not a PNG: the signature is missing");
    let offset = 8;
    let width = 0;
    let height = 0;
    let channels = 0;
    const data: Buffer[] = [];
    while (offset < file.length) {
        const length = file.readUInt32BE(offset);
        const type = file.toString("latin1", offset + 4, offset + 8);
        const body = file.subarray(offset + 8, offset + 8 + length);
        if (type === "IHDR") {
            width = body.readUInt32BE(0);
            height = body.readUInt32BE(4);
            const [depth, colour, , , interlace] = body.subarray(8, 13);
            if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0)
                throw new Error(`unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${interlace}`);
            channels = colour === 6 ? 4 : 3;
        } else if (type === "IDAT") data.push(body);
        else if (type === "IEND") break;
        offset += 12 + length;
    }
    const raw = zlib.inflateSync(Buffer.concat(data));
    const stride = width * channels;
    const pixels = Buffer.alloc(stride * height);
    for (let y = 0; y < height; y++) {
        const filter = raw[y * (stride + 1)];
        const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
        for (let x = 0; x < stride; x++) {
            const a = x >= channels ? pixels[y * stride + x - channels] : 0;
            const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
            const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
            const p = a + b - c;
            const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
            const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
            const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
            if (predictor === undefined) throw new Error(`bad PNG row filter ${filter}`);
            pixels[y * stride + x] = (row[x] + predictor) & 0xff;
        }
    }
    return { width, height, channels, pixels };
}

/** Pixels that are neither white nor near it: what a page shows besides its background. */
export function inkedPixels(png: Png): number {
    let count = 0;
    for (let i = 0; i < png.pixels.length; i += png.channels) {
        if (png.pixels[i] < 235 || png.pixels[i + 1] < 235 || png.pixels[i + 2] < 235) count++;
    }
    return count;
}

/** Pixels whose colour is close to `rgb` (each channel within `tolerance`). */
export function pixelsNear(png: Png, rgb: readonly [number, number, number], tolerance = 12): number {
    let count = 0;
    for (let i = 0; i < png.pixels.length; i += png.channels) {
        if (
            Math.abs(png.pixels[i] - rgb[0]) <= tolerance &&
            Math.abs(png.pixels[i + 1] - rgb[1]) <= tolerance &&
            Math.abs(png.pixels[i + 2] - rgb[2]) <= tolerance
        )
            count++;
    }
    return count;
}
