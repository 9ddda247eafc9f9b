import { projectorLogger } from './logger';

describe('the projector logger', () => {
  it('redacts what the API redacts: e-mails, names, product keys and invitation codes, however deep', () => {
    const lines: string[] = [];
    const logger = projectorLogger('info', { write: (line: string) => lines.push(line) });
    logger.info(
      {
        projection: 'client_list',
        position: '00000000000000000042',
        data: { code: 'INV-SECRET', email: 'jana@contoso.example' },
        row: { legalName: 'Contoso s.r.o.', productKey: 'AAAAA-BBBBB' },
      },
      'committed',
    );
    const logged = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(logged).toMatchObject({
      name: 'projector',
      projection: 'client_list',
      position: '00000000000000000042',
      data: { code: '[redacted]', email: '[redacted]' },
      row: { legalName: '[redacted]', productKey: '[redacted]' },
    });
    for (const secret of ['INV-SECRET', 'jana@', 'Contoso s.r.o.', 'AAAAA'])
      expect(lines[0]).not.toContain(secret);
  });
});
