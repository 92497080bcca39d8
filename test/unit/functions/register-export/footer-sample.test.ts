import { describe, expect, it } from 'vitest';
import { footerSample, MAX_SHAPES, nameShape } from '#functions/register-export/footer-sample.ts';

const folder = 'p/e1/db/public.a/';
const part = (batch: number, i: number, size = 1000) => ({
  key: `${folder}${batch}/part-${String(i).padStart(5, '0')}-3fa85f64-5717-4562-b3fc-2c963f66afa6-c000.gz.parquet`,
  size,
});

describe('footerSample', () => {
  it('reads the first and the last file of a table of 100,000 alike part files, not the rest', () => {
    const files = Array.from({ length: 100_000 }, (_, i) => part(1 + (i % 3), i)).sort((a, b) =>
      a.key.localeCompare(b.key),
    );

    const sample = footerSample(files, folder);

    expect(sample.map((f) => f.key)).toEqual([files[0]?.key, files.at(-1)?.key]);
  });

  it('adds the smallest and the largest file when sizes differ', () => {
    const files = [part(1, 0), part(1, 1, 10), part(1, 2, 99_999), part(1, 3)];

    expect(footerSample(files, folder).map((f) => f.size)).toEqual([1000, 10, 99_999, 1000]);
  });

  it('adds the first file of each name shape that differs, at most MAX_SHAPES of them', () => {
    const odd = Array.from({ length: 10 }, (_, i) => ({
      key: `${folder}extra_${'x'.repeat(i + 1)}.parquet`,
      size: 1000,
    }));
    const files = [part(1, 0), ...odd, part(1, 1), part(1, 2)].sort((a, b) => a.key.localeCompare(b.key));

    const sample = footerSample(files, folder);

    // The first MAX_SHAPES odd shapes, and the last file by key (which is odd too).
    expect(sample.filter((f) => f.key.includes('extra_')).map((f) => f.key)).toEqual([
      ...odd.slice(0, MAX_SHAPES).map((f) => f.key),
      odd.at(-1)?.key,
    ]);
    expect(sample.length).toBeLessThanOrEqual(4 + MAX_SHAPES);
  });

  it('reads the one file of a one-file table once, and nothing of an empty one', () => {
    expect(footerSample([part(1, 0)], folder)).toEqual([part(1, 0)]);
    expect(footerSample([], folder)).toEqual([]);
  });

  it('blurs numbers and ids in names, so part files of one export share a shape', () => {
    expect(nameShape(part(2, 17).key, folder.length)).toBe(nameShape(part(1, 0).key, folder.length));
    expect(nameShape(`${folder}1/other.parquet`, folder.length)).not.toBe(
      nameShape(part(1, 0).key, folder.length),
    );
  });
});
