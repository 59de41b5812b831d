import type { BusinessResponse } from '../src/api';
import { usePoll, useReady } from './app-context';
import { PanelGrid } from './overview';
import { Empty, ErrorLine, Loading } from './parts';

export function Business() {
  const { data, error } = usePoll<BusinessResponse>('business');
  useReady('business', data !== undefined && data.panels.length === 0);
  return (
    <div data-testid="page-business">
      <ErrorLine error={error} />
      {!data ? (
        <Loading />
      ) : data.panels.length === 0 ? (
        <Empty />
      ) : (
        <>
          <h2>{data.title}</h2>
          <PanelGrid panels={data.panels} page="business" />
        </>
      )}
    </div>
  );
}
