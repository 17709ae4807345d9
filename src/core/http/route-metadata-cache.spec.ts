import { SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { describe, expect, it, vi } from 'vitest';
import { cachingReflector } from './route-metadata-cache.js';

@SetMetadata('limit', 'class')
class Routes {
  @SetMetadata('limit', 'handler')
  limited(): void {}

  plain(): void {}
}

class Other {}

describe('cachingReflector', () => {
  const reflector = new Reflector();
  const proto = Routes.prototype;

  it('answers getAllAndOverride as the Reflector does, for each handler, class and key', () => {
    const cached = cachingReflector(reflector);
    const cases: Array<[string, (typeof proto)[keyof typeof proto], object]> = [
      ['limit', proto.limited, Routes],
      ['limit', proto.plain, Routes],
      ['limit', proto.plain, Other],
      ['missing', proto.limited, Routes],
    ];
    for (const [key, handler, cls] of cases) {
      const targets = [handler, cls] as [typeof handler, typeof Routes];
      expect(cached.getAllAndOverride(key, targets)).toBe(
        reflector.getAllAndOverride(key, targets),
      );
    }
    expect(cached.getAllAndOverride('limit', [proto.limited, Routes])).toBe('handler');
    expect(cached.getAllAndOverride('limit', [proto.plain, Routes])).toBe('class');
    expect(cached.getAllAndOverride('limit', [proto.plain, Other])).toBeUndefined();
  });

  it('reads the metadata once per key and route, undefined answers included', () => {
    const spy = vi.spyOn(reflector, 'getAllAndOverride');
    const cached = cachingReflector(reflector);
    for (let i = 0; i < 3; i++) {
      cached.getAllAndOverride('limit', [proto.limited, Routes]);
      cached.getAllAndOverride('missing', [proto.limited, Routes]);
    }
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
  });

  it('passes other target lists and the other methods through', () => {
    const cached = cachingReflector(reflector);
    expect(cached.getAllAndOverride('limit', [Routes])).toBe('class');
    expect(cached.getAllAndMerge('limit', [proto.limited, Routes])).toEqual(['handler', 'class']);
    expect(cached.get('limit', proto.limited)).toBe('handler');
  });
});
